// Runs in: the renderer. Mounts the app, which needs window.clerk (the desktop's preload, the web
// client's bridge, a test's bindings); the page opened by itself says where it runs instead.
import { App } from './App';
import { mount } from './mount';
import { OutsideApp } from './views/OutsideApp';

mount(typeof window.clerk === 'undefined' ? <OutsideApp /> : <App />);
