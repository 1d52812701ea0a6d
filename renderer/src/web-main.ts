// Runs in: the renderer, as the entry of web.html: the server says who is there (GET /session);
// the agent's staff who are not logged in get the login form, everyone else window.clerk over
// the web client's WebSocket and then the very app the desktop window mounts.
import { createElement } from 'react';
import type { WebAccess } from '../../src/ipc/staff-contract';
import { App } from './App';
import { mount } from './mount';
import { useClerk } from './store';
import { StaffLogin } from './views/StaffLogin';
import { connectBridge } from './web-bridge';

const local: WebAccess = { access: 'local' };

void fetch('/session', { credentials: 'same-origin' })
  .then((r) => (r.ok ? (r.json() as Promise<WebAccess>) : local))
  .catch(() => local)
  .then((access) => {
    if (access.access === 'staff' && !access.user) return mount(createElement(StaffLogin));
    useClerk.setState({ staff: access.access === 'staff' ? access.user : null });
    connectBridge();
    mount(createElement(App));
  });
