// Runs in: the renderer. Mounts the app.
import { App } from './App';
import { mount } from './mount';

mount(<App />);
