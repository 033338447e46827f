// The console's shell: sign-in with an API key (kept in sessionStorage), role detection (GET /v1/me), the nav,
// and a hash router (#/<screen-id>?a=b) that loads each screen's module on demand. A screen that fails to load or
// render shows its own error state; nothing else breaks.

import { api, can, errorBox, h, loading, session } from './lib.js';

export const SCREENS = [
  { id: 'overview', title: 'Overview' },
  { id: 'sessions', title: 'Sessions' },
  { id: 'prompts', title: 'Prompts and styles' },
  { id: 'models', title: 'Models and routing' },
  { id: 'experiments', title: 'Experiments' },
  { id: 'training', title: 'Training' },
  { id: 'context', title: 'Context and patterns' },
  { id: 'registry', title: 'Registry and governance' },
  { id: 'settings', title: 'Settings' },
];

const $ = (id) => document.getElementById(id);
const state = { me: null, tenant: null, cleanup: null, token: 0 };

function parseRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, search] = hash.split('?');
  const screen = SCREENS.find((s) => s.id === path) || SCREENS[0];
  const params = Object.fromEntries(new URLSearchParams(search || ''));
  return { screen, params };
}

function showSignIn(message) {
  document.body.dataset.signedIn = 'false';
  $('shell').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  $('screen-body').replaceChildren();
  $('signin-key').focus();
}

function renderNav(active) {
  const items = SCREENS.map((s) =>
    h(
      'li',
      {},
      h('a', { href: `#/${s.id}`, 'data-screen': s.id, 'aria-current': s.id === active ? 'page' : null }, s.title),
    ),
  );
  $('nav-list').replaceChildren(...items);
}

async function show(focus) {
  if (!state.me) return;
  const { screen, params } = parseRoute();
  state.token += 1;
  const mine = state.token;
  if (typeof state.cleanup === 'function') {
    try {
      state.cleanup();
    } catch (err) {
      console.error('console screen cleanup failed:', err);
    }
  }
  state.cleanup = null;
  renderNav(screen.id);
  closeNav();
  const main = $('screen');
  const heading = $('screen-title');
  const body = h('section', { class: 'screen-body', 'aria-labelledby': 'screen-title' });
  body.id = 'screen-body';
  main.dataset.screen = screen.id;
  main.dataset.status = 'loading';
  heading.textContent = screen.title;
  document.title = `${screen.title} · Learnloop console`;
  body.replaceChildren(loading());
  $('screen-body').replaceWith(body);
  if (focus) heading.focus();
  const ctx = {
    role: state.me.role,
    me: state.me,
    tenant: state.tenant,
    params,
    navigate: (hash) => {
      const target = hash.startsWith('#') ? hash : `#${hash}`;
      if (location.hash === target) show(false);
      else location.hash = target;
    },
    refresh: () => show(false),
  };
  let status = 'ready';
  try {
    const module = await import(`./screens/${screen.id}.js`);
    if (mine !== state.token) return;
    const spec = module.default;
    heading.textContent = spec.title || screen.title;
    body.replaceChildren();
    const cleanup = await spec.render(body, ctx);
    if (mine !== state.token) {
      if (typeof cleanup === 'function') cleanup();
      return;
    }
    state.cleanup = cleanup;
  } catch (err) {
    if (mine !== state.token) return;
    if (!(err && err.name === 'ApiError')) console.error(`console screen ${screen.id} failed:`, err);
    body.replaceChildren(errorBox(err, () => show(false)));
    status = 'error';
  }
  main.dataset.status = status;
}

function closeNav() {
  $('nav').classList.remove('open');
  $('nav-toggle').setAttribute('aria-expanded', 'false');
}

async function signIn(key) {
  session.set(key);
  try {
    const me = await api('GET', '/v1/me');
    const tenant = await api('GET', '/v1/tenants/me');
    state.me = me;
    state.tenant = tenant;
  } catch (err) {
    session.clear();
    state.me = null;
    if (err.status === 401) throw new Error('This key is not known or was revoked.');
    if (err.status === 403) throw new Error(`This key cannot open the console: ${err.message}`);
    throw err;
  }
  document.body.dataset.signedIn = 'true';
  document.body.dataset.role = state.me.role;
  $('tenant-name').textContent = state.tenant.name;
  $('key-name').textContent = state.me.name;
  $('role').textContent = state.me.role;
  $('role').dataset.role = state.me.role;
  $('role-note').textContent = can(state.me.role, 'admin') ? '' : 'read only: changes need an admin key';
  $('signin').hidden = true;
  $('shell').hidden = false;
  await show(false);
}

function signOut(message) {
  session.clear();
  state.me = null;
  state.tenant = null;
  state.token += 1;
  if (typeof state.cleanup === 'function') state.cleanup();
  state.cleanup = null;
  delete document.body.dataset.role;
  showSignIn(message);
}

function start() {
  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('signin-key');
    const key = input.value.trim();
    const button = $('signin-button');
    $('signin-error').textContent = '';
    if (!key) {
      $('signin-error').textContent = 'Paste one of your tenant’s API keys.';
      return;
    }
    button.disabled = true;
    try {
      await signIn(key);
      input.value = '';
    } catch (err) {
      $('signin-error').textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  $('signout').addEventListener('click', () => signOut('Signed out. The key was removed from this tab.'));
  $('nav-toggle').addEventListener('click', () => {
    const open = !$('nav').classList.contains('open');
    $('nav').classList.toggle('open', open);
    $('nav-toggle').setAttribute('aria-expanded', String(open));
  });
  $('nav-list').addEventListener('click', (event) => {
    if (event.target.closest('a')) closeNav(); // also when the link is the current screen's (no hashchange)
  });
  $('skip').addEventListener('click', () => $('screen-title').focus());
  window.addEventListener('hashchange', () => show(true));
  window.addEventListener('learnloop:unauthorized', () => {
    if (state.me) signOut('The key is no longer valid (revoked?). Sign in again.');
  });
  const key = session.key();
  if (key) {
    signIn(key).catch((err) => showSignIn(err.message));
  } else {
    showSignIn('');
  }
}

start();
