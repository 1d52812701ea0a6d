// Runs in: the renderer (types only). Stylesheets are bundled by Vite.
declare module '*.css';
