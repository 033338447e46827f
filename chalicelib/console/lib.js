// The console's shared helpers (docs/console.md). Plain ES module, no dependency, no build step.
// Every string that reaches the page goes in as a text node or an attribute value: nothing here (or in a screen)
// parses markup (no HTML sink at all; tests/api/test_console.py checks every module). The page's CSP forbids inline
// script and inline style, so styling is by class only.

const KEY = 'learnloop.console.key';
const SVG_NS = 'http://www.w3.org/2000/svg';
// The API's root: the directory above /console/ (keeps working behind an API Gateway stage prefix).
export const BASE = new URL('../', import.meta.url);

// ---- the key: session storage only (never a URL, never local storage, never a cookie) -------------------------

export const session = {
  key: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

// ---- elements -----------------------------------------------------------------------------------------------

let counter = 0;
export function uid(prefix = 'c') {
  counter += 1;
  return `${prefix}-${counter}`;
}

// Attributes that could carry script or markup, or inline style (which the CSP refuses anyway), are refused.
const FORBIDDEN = new Set(['style', 'srcdoc', 'innerhtml', 'outerhtml', 'formaction', 'action', 'xlink:href', 'background']);
const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled']);

function safeUrl(value, images) {
  const text = String(value);
  if (text.startsWith('#')) return text;
  if (images && (text.startsWith('blob:') || /^data:image\/(png|jpeg|gif|webp);/.test(text))) return text;
  const url = new URL(text, location.href);
  if (url.origin !== location.origin || !['http:', 'https:'].includes(url.protocol)) {
    throw new Error(`refused a link outside this console: ${text.slice(0, 80)}`);
  }
  return url.href;
}

function build(el, attrs, children, svg) {
  let selectValue;
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    const lower = name.toLowerCase();
    if (lower.startsWith('on')) {
      if (typeof value !== 'function') throw new Error(`event handler ${name} must be a function`);
      el.addEventListener(lower.slice(2), value);
      continue;
    }
    if (FORBIDDEN.has(lower) || !/^[a-z][a-z0-9:_-]*$/i.test(name)) throw new Error(`attribute ${name} is not allowed`);
    if (name === 'class') {
      const classes = Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value);
      el.setAttribute('class', classes);
    } else if (name === 'href') {
      el.setAttribute('href', safeUrl(value, false));
    } else if (name === 'src') {
      el.setAttribute('src', safeUrl(value, true));
    } else if (!svg && PROPERTIES.has(name)) {
      if (name === 'value' && el.tagName === 'SELECT') selectValue = String(value);
      else if (name === 'value') el.value = String(value);
      else el[name] = Boolean(value);
      if (name !== 'value' && value) el.setAttribute(name, '');
      if (name === 'value' && el.tagName !== 'SELECT') el.setAttribute('value', String(value));
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  if (selectValue !== undefined) el.value = selectValue;
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// h('button', {class: 'primary', onclick: go}, 'Save') -> <button class="primary">Save</button>
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children, false);
}

// The same for SVG elements (charts).
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children, true);
}

// ---- the API ------------------------------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

function url(path, query) {
  const target = new URL(String(path).replace(/^\//, ''), BASE);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === '') continue;
    target.searchParams.set(name, String(value));
  }
  return target;
}

async function send(method, path, { query, body, idempotencyKey, accept } = {}) {
  const headers = { Accept: accept || 'application/json' };
  const key = session.key();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let res;
  try {
    res = await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  } catch (err) {
    throw new ApiError(0, 'network', `the server could not be reached (${err.message})`);
  }
  if (!res.ok) {
    let error = {};
    try {
      error = (await res.json()).error || {};
    } catch {
      error = {};
    }
    const details = Array.isArray(error.details) ? error.details : [];
    const field = details.find((d) => d && typeof d.field === 'string');
    if (res.status === 401) window.dispatchEvent(new CustomEvent('learnloop:unauthorized'));
    throw new ApiError(res.status, error.code || `http_${res.status}`, error.message || res.statusText || 'request failed', field && field.field);
  }
  return res;
}

// await api('GET', '/v1/sessions', {query: {user_id: 'u1'}}) -> the parsed JSON answer (null for 204).
export async function api(method, path, options = {}) {
  const res = await send(method, path, options);
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) return res.json();
  return res.text();
}

// Every item of a list route: follows next_cursor with limit=200, at most 10 pages.
export async function apiAll(path, query = {}) {
  const items = [];
  let cursor = null;
  for (let pageNo = 0; pageNo < 10; pageNo += 1) {
    const page = await api('GET', path, { query: { ...query, limit: 200, cursor } });
    items.push(...(page.items || []));
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

// A stored image (a design's thumbnail, say) fetched with the key and shown as a blob: URL: the CSP allows no S3 origin.
export async function blobUrl(path) {
  const res = await send('GET', path, { accept: 'image/*' });
  return URL.createObjectURL(await res.blob());
}

// ---- roles --------------------------------------------------------------------------------------------------

const RANK = { read: 1, app: 2, admin: 3, root: 4 };
export function can(role, needed) {
  return (RANK[role] || 0) >= (RANK[needed] || 99);
}

// ---- states -------------------------------------------------------------------------------------------------

export function loading() {
  return h('div', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…');
}

export function empty(message) {
  return h('div', { class: 'state empty', 'data-state': 'empty' }, message || 'Nothing here yet.');
}

export function errorBox(error, retry) {
  const status = error && error.status ? ` (${error.status}${error.code ? ` ${error.code}` : ''})` : '';
  return h(
    'div',
    { class: 'state error', role: 'alert', 'data-state': 'error' },
    h('strong', {}, 'Something went wrong'),
    h('span', {}, `${(error && error.message) || String(error)}${status}`),
    retry ? h('button', { type: 'button', class: 'ghost', onclick: () => retry() }, 'Retry') : null,
  );
}

const pending = new WeakMap();

// Loading (aria-busy) -> the loader's Node(s), or an empty state for null, or an error state with Retry.
export async function screenState(root, loader) {
  const token = {};
  pending.set(root, token);
  root.setAttribute('aria-busy', 'true');
  root.dataset.state = 'loading';
  root.replaceChildren(loading());
  let nodes;
  let state = 'ready';
  try {
    const out = await loader();
    if (out === null || out === undefined) {
      nodes = [empty()];
      state = 'empty';
    } else {
      nodes = (Array.isArray(out) ? out.flat(Infinity) : [out]).filter((n) => n instanceof Node);
    }
  } catch (err) {
    if (!(err instanceof ApiError)) console.error('console screen failed:', err); // a bug, not an API answer
    nodes = [errorBox(err, () => screenState(root, loader))];
    state = 'error';
  }
  if (pending.get(root) !== token) return;
  root.replaceChildren(...nodes);
  root.dataset.state = state;
  root.removeAttribute('aria-busy');
}

// ---- formatting ---------------------------------------------------------------------------------------------

function finite(n) {
  return typeof n === 'number' ? Number.isFinite(n) : n !== null && n !== undefined && n !== '' && Number.isFinite(Number(n));
}

export const fmt = {
  number(n, digits) {
    if (!finite(n)) return '—';
    const x = Number(n);
    const d = digits === undefined ? (Number.isInteger(x) ? 0 : 2) : digits;
    return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  },
  pct(x) {
    if (!finite(x)) return '—';
    return `${(Number(x) * 100).toFixed(1)}%`;
  },
  money(usd) {
    if (!finite(usd)) return '—';
    const x = Number(usd);
    const d = x !== 0 && Math.abs(x) < 0.01 ? 4 : 2;
    return `${x < 0 ? '-' : ''}$${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })}`;
  },
  time(iso) {
    if (!iso) return '—';
    const text = String(iso);
    if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return text;
    return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  },
  ms(x) {
    if (!finite(x)) return '—';
    const v = Number(x);
    return v >= 1000 ? `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)} s` : `${Math.round(v)} ms`;
  },
};

// ---- tables and forms ---------------------------------------------------------------------------------------

// columns: [{label, value: row => string|number|Node, numeric}]
export function table(columns, rows, { empty: emptyMessage, caption } = {}) {
  if (!rows || rows.length === 0) return empty(emptyMessage);
  const head = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label))));
  const body = h(
    'tbody',
    {},
    rows.map((row) =>
      h(
        'tr',
        {},
        columns.map((c) => {
          const value = c.value(row);
          return h('td', { class: c.numeric ? 'num' : null }, value === null || value === undefined || value === '' ? '—' : value);
        }),
      ),
    ),
  );
  const label = caption || 'table';
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label },
    h('table', {}, caption ? h('caption', {}, caption) : null, head, body),
  );
}

// A labelled control: <label for=id> tied to the control (an id is given to it when it has none).
export function field(label, input, hint) {
  if (!input.id) input.id = uid('field');
  let hintNode = null;
  if (hint) {
    hintNode = h('small', { class: 'hint', id: `${input.id}-hint` }, hint);
    input.setAttribute('aria-describedby', hintNode.id);
  }
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintNode);
}

// A form whose submit button is disabled while onSubmit runs; the API's error is shown under it.
export function formBox({ title, fields, submitLabel, onSubmit }) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, submitLabel || 'Save');
  const form = h(
    'form',
    { class: 'form-box', novalidate: true, 'aria-label': title || submitLabel || 'form' },
    title ? h('h2', {}, title) : null,
    fields,
    h('div', { class: 'actions' }, button),
    error,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    error.textContent = '';
    form.dataset.state = 'pending';
    try {
      await onSubmit(form);
      form.dataset.state = 'done';
    } catch (err) {
      error.textContent = err && err.field ? `${err.message} (${err.field})` : (err && err.message) || String(err);
      form.dataset.state = 'error';
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  return form;
}

function toastRegion() {
  let region = document.getElementById('toasts');
  if (!region) {
    region = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  return region;
}

export function toast(message, kind = 'ok') {
  const note = h('div', { class: ['toast', kind === 'error' ? 'toast-error' : 'toast-ok'], role: kind === 'error' ? 'alert' : 'status' }, message);
  toastRegion().appendChild(note);
  setTimeout(() => note.remove(), 6000);
  return note;
}

// An accessible modal dialog (the platform's <dialog>: focus kept inside, Escape cancels).
export function confirmAction(message) {
  return new Promise((resolve) => {
    const text = h('p', { id: uid('confirm') }, message);
    const cancel = h('button', { type: 'button', class: 'ghost', 'data-confirm': 'cancel', onclick: () => dialog.close('cancel') }, 'Cancel');
    const ok = h('button', { type: 'button', class: 'danger', 'data-confirm': 'ok', onclick: () => dialog.close('ok') }, 'Confirm');
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': text.id }, text, h('div', { class: 'actions' }, cancel, ok));
    const opener = document.activeElement;
    dialog.addEventListener('close', () => {
      const answer = dialog.returnValue === 'ok';
      dialog.remove();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(answer);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    ok.focus();
  });
}

// ---- diffs --------------------------------------------------------------------------------------------------

// A line diff (longest common subsequence) as text lines marked '+', '-' or ' '.
export function diffLines(oldText, newText) {
  const a = String(oldText ?? '').split('\n');
  const b = String(newText ?? '').split('\n');
  const ops = [];
  if (a.length * b.length > 4_000_000) {
    a.forEach((line) => ops.push(['-', line]));
    b.forEach((line) => ops.push(['+', line]));
  } else {
    const n = a.length;
    const m = b.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) {
        ops.push([' ', a[i]]);
        i += 1;
        j += 1;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        ops.push(['-', a[i]]);
        i += 1;
      } else {
        ops.push(['+', b[j]]);
        j += 1;
      }
    }
    for (; i < n; i += 1) ops.push(['-', a[i]]);
    for (; j < m; j += 1) ops.push(['+', b[j]]);
  }
  const cls = { '+': 'add', '-': 'del', ' ': 'same' };
  return h(
    'pre',
    { class: 'diff', tabindex: '0', 'aria-label': 'line diff' },
    ops.map(([op, line]) => h('span', { class: `diff-${cls[op]}`, 'data-op': op }, `${op} ${line}\n`)),
  );
}

// ---- tabs ---------------------------------------------------------------------------------------------------

// items: [{id, label, render: async (panel) => void}]; arrow keys, Home and End move between tabs.
export function tabs(items, active) {
  const base = uid('tabs');
  const list = h('div', { class: 'tablist', role: 'tablist' });
  const panel = h('div', { class: 'tabpanel', role: 'tabpanel', tabindex: '0' });
  const buttons = items.map((item) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        class: 'tab',
        id: `${base}-${item.id}`,
        'data-tab': item.id,
        'aria-controls': `${base}-panel`,
        'aria-selected': 'false',
        tabindex: '-1',
        onclick: () => select(item.id, false),
      },
      item.label,
    ),
  );
  panel.id = `${base}-panel`;
  list.append(...buttons);
  let token = 0;
  async function select(id, focus) {
    const index = Math.max(0, items.findIndex((item) => item.id === id));
    buttons.forEach((b, i) => {
      b.setAttribute('aria-selected', String(i === index));
      b.tabIndex = i === index ? 0 : -1;
    });
    if (focus) buttons[index].focus();
    panel.setAttribute('aria-labelledby', buttons[index].id);
    panel.dataset.tab = items[index].id;
    token += 1;
    const mine = token;
    panel.replaceChildren();
    panel.setAttribute('aria-busy', 'true');
    try {
      await items[index].render(panel);
    } catch (err) {
      if (mine === token) panel.replaceChildren(errorBox(err, () => select(items[index].id, false)));
      if (!(err instanceof ApiError)) console.error('console tab failed:', err); // a bug, not an API answer
    } finally {
      if (mine === token) panel.removeAttribute('aria-busy');
    }
  }
  list.addEventListener('keydown', (event) => {
    const current = buttons.findIndex((b) => b.getAttribute('aria-selected') === 'true');
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: buttons.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = (moves[event.key] + buttons.length) % buttons.length;
    select(items[next].id, true);
  });
  if (items.length) select(active && items.some((i) => i.id === active) ? active : items[0].id, false);
  return h('div', { class: 'tabs' }, list, panel);
}

// ---- charts -------------------------------------------------------------------------------------------------

function slug(text) {
  return String(text || 'chart')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function isDate(x) {
  return typeof x === 'string' && /^\d{4}-\d{2}-\d{2}/.test(x) && !Number.isNaN(Date.parse(x));
}

// Round ticks (1, 2 or 5 times a power of ten) covering lo..hi.
function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const first = Math.floor(lo / step + 1e-9) * step;
  const out = [];
  for (let t = first; t <= hi + step * 1e-9 + step && out.length < 12; t += step) {
    out.push(Number(t.toPrecision(12)));
    if (t >= hi - step * 1e-9) break;
  }
  return out;
}

// A line chart: each series is labelled at the end of its line (no legend); each point has a <title> "x: y".
export function lineChart({ title, series, format, yMin, yMax, width = window.innerWidth < 600 ? 380 : 640, height = window.innerWidth < 600 ? 240 : 220 }) {
  const f = format || ((v) => fmt.number(v));
  const all = (series || []).flatMap((s) => s.points || []).filter((p) => finite(p.y));
  if (all.length === 0) return empty(`${title || 'Chart'}: no data for this period.`);
  const dates = all.every((p) => isDate(p.x));
  const numeric = !dates && all.every((p) => typeof p.x === 'number');
  const categories = dates || numeric ? [] : [...new Set(all.map((p) => String(p.x)))];
  const xv = (x) => (dates ? Date.parse(x) : numeric ? x : categories.indexOf(String(x)));
  const xs = all.map((p) => xv(p.x));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const ys = all.map((p) => Number(p.y));
  let lo = yMin ?? Math.min(0, ...ys);
  let hi = yMax ?? Math.max(...ys);
  if (hi === lo) hi = lo + 1;
  const yTicks = niceTicks(lo, hi, 4);
  if (yMin === undefined || yMin === null) lo = Math.min(lo, yTicks[0]);
  if (yMax === undefined || yMax === null) hi = Math.max(hi, yTicks[yTicks.length - 1]);
  const longest = Math.max(...(series || []).map((s) => String(s.name).length));
  const pad = { left: 56, right: Math.min(180, 14 + longest * 7), top: 12, bottom: 28 };
  const w = width - pad.left - pad.right;
  const ht = height - pad.top - pad.bottom;
  const px = (x) => pad.left + (x1 === x0 ? w / 2 : ((xv(x) - x0) / (x1 - x0)) * w);
  const py = (y) => pad.top + ht - ((Number(y) - lo) / (hi - lo)) * ht;
  const grid = yTicks.filter((t) => t >= lo - 1e-9 && t <= hi + 1e-9).map((t) =>
    svg(
      'g',
      { class: 'axis' },
      svg('line', { class: 'grid-line', x1: pad.left, x2: pad.left + w, y1: py(t), y2: py(t) }),
      svg('text', { x: pad.left - 6, y: py(t) + 4, 'text-anchor': 'end' }, f(t)),
    ),
  );
  const sorted = [...all].sort((a, b) => xv(a.x) - xv(b.x));
  const xLabels = [...new Set([sorted[0].x, sorted[Math.floor(sorted.length / 2)].x, sorted[sorted.length - 1].x])].map((x, i, arr) =>
    svg(
      'text',
      { class: 'axis-x', x: px(x), y: height - 8, 'text-anchor': arr.length === 1 ? 'middle' : i === 0 ? 'start' : i === arr.length - 1 ? 'end' : 'middle' },
      dates ? String(x).slice(0, 10) : String(x),
    ),
  );
  // Each series' label sits at its line's end; labels closer than 13 px are pushed apart.
  const ends = (series || [])
    .map((s, index) => {
      const points = (s.points || []).filter((p) => finite(p.y)).sort((a, b) => xv(a.x) - xv(b.x));
      return points.length ? { index, y: py(points[points.length - 1].y) + 4 } : null;
    })
    .filter(Boolean)
    .sort((a, b) => a.y - b.y);
  for (let i = 1; i < ends.length; i += 1) ends[i].y = Math.max(ends[i].y, ends[i - 1].y + 13);
  const labelY = new Map(ends.map((e) => [e.index, e.y]));
  const lines = (series || []).map((s, index) => {
    const points = (s.points || []).filter((p) => finite(p.y)).sort((a, b) => xv(a.x) - xv(b.x));
    if (!points.length) return null;
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    const last = points[points.length - 1];
    return svg(
      'g',
      { class: `series s${index % 6}`, 'data-series': s.name },
      svg('path', { d, class: 'line', fill: 'none' }),
      points.map((p) =>
        svg(
          'circle',
          { class: 'point', cx: px(p.x), cy: py(p.y), r: 3.5, 'data-x': String(p.x), 'data-value': String(p.y) },
          svg('title', {}, `${dates ? String(p.x).slice(0, 10) : p.x}: ${f(Number(p.y))}`),
        ),
      ),
      svg('text', { class: 'series-label', x: px(last.x) + 8, y: labelY.get(index) }, String(s.name)),
    );
  });
  return svg(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title || 'chart', 'data-chart': slug(title) },
    svg('title', {}, title || 'chart'),
    grid,
    xLabels,
    lines,
  );
}

// Horizontal bars, each labelled beside it with its value printed.
export function barChart({ title, bars, format }) {
  const f = format || ((v) => fmt.number(v));
  const list = (bars || []).filter((b) => finite(b.value));
  if (list.length === 0) return empty(`${title || 'Chart'}: no data.`);
  const max = Math.max(...list.map((b) => Math.abs(Number(b.value)))) || 1;
  return h(
    'figure',
    { class: 'barchart', 'data-chart': slug(title) },
    title ? h('figcaption', {}, title) : null,
    list.map((b, index) =>
      h(
        'div',
        { class: 'bar-row', 'data-label': String(b.label), 'data-value': String(b.value) },
        h('span', { class: 'bar-label' }, String(b.label)),
        svg(
          'svg',
          { class: 'bar-track', viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' },
          svg('rect', { class: `bar s${index % 6}`, x: 0, y: 0, height: 10, width: Math.max(0.5, (Math.abs(Number(b.value)) / max) * 100) }),
        ),
        h('span', { class: 'bar-value' }, f(Number(b.value))),
      ),
    ),
  );
}

// ---- helpers of the learning screens (experiments, training, context, registry) -------------------------------

// A value as display text: strings as they are, anything else as indented JSON (never parsed as markup).
export function asText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

// A status word as a badge; the word carries the meaning, the tone (good, warn, bad) only repeats it in colour.
export function badge(text, tone) {
  return h('span', { class: ['badge', tone || null], 'data-status': String(text) }, String(text));
}

// A file from the API fetched with the key and handed to the browser as a download (the key never goes in a URL).
export async function downloadFile(path, query, filename) {
  // Read as text whatever the type says (JSONL is application/x-ndjson, which api() would parse as one JSON value).
  const res = await send('GET', path, { query, accept: 'application/x-ndjson, application/json;q=0.5' });
  const body = await res.text();
  const href = URL.createObjectURL(new Blob([body], { type: 'application/x-ndjson' }));
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = filename;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return body;
}

// A screen's own style sheet (a file beside this one), linked once: the CSP allows style sheets from this server only.
export function useStyles(name) {
  if (document.querySelector(`link[data-styles="${name}"]`)) return;
  document.head.appendChild(h('link', { rel: 'stylesheet', href: new URL(`./${name}`, import.meta.url).href, 'data-styles': name }));
}

// A chart's drawing width (SVG user units) for the screen it is drawn on: narrower on a phone, so that its text
// stays readable once the SVG is scaled to the screen.
export function chartWidth(wide = 640) {
  return window.innerWidth < 700 ? 360 : wide;
}
