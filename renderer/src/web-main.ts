// Runs in: the renderer, as the entry of web.html: window.clerk over the web client's
// WebSocket first, then the very app the desktop window mounts.
import './web-bridge';
import './main';
