// Runs in: the renderer. Mounts a page's root (the app, or the staff's login form).
import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import './archive.css';

export function mount(node: ReactNode): void {
  createRoot(document.getElementById('root')!).render(<StrictMode>{node}</StrictMode>);
}
