// Context and patterns (issue 20 item 7, seed 004): the e-commerce assistant's context windows (store data,
// recent conversations and optimisation actions, the contextual prompt they make) and the optimisation patterns
// (list, create, their success statistics). Every read and write goes through /v1; store data, messages and
// patterns are tenant data and reach the page only as text nodes.

import {
  api,
  apiAll,
  asText,
  badge,
  barChart,
  can,
  field,
  fmt,
  formBox,
  h,
  screenState,
  table,
  tabs,
  toast,
  uid,
  useStyles,
} from '../lib.js';

useStyles('learning.css');

function windowHash(w) {
  return `#/context?user_id=${encodeURIComponent(w.user_id)}&store_id=${encodeURIComponent(w.store_id)}`;
}

// ---- context windows ------------------------------------------------------------------------------------------

async function windowsTab(ctx) {
  const user = h('input', { type: 'search', name: 'user_id', placeholder: 'all users' });
  const list = h('div', {});
  const load = () =>
    screenState(list, async () => {
      const windows = await apiAll('/v1/contexts', { user_id: user.value.trim() });
      return table(
        [
          { label: 'User', value: (w) => h('a', { href: windowHash(w) }, w.user_id) },
          { label: 'Store', value: (w) => w.store_id },
          { label: 'Type', value: (w) => w.store_type || '—' },
          { label: 'Open issues', value: (w) => (w.current_issues.length ? w.current_issues.join(', ') : 'none') },
          { label: 'Conversations', value: (w) => fmt.number(w.conversations_recorded), numeric: true },
          { label: 'Actions', value: (w) => fmt.number(w.optimizations_recorded), numeric: true },
          { label: 'Updated', value: (w) => fmt.time(w.updated_at) },
        ],
        windows,
        { caption: 'Context windows, most recently updated first', empty: 'No context window yet: the app writes them (PUT /v1/contexts/{user}/{store}).' },
      );
    });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        load();
      },
    },
    field('User', user),
    h('button', { type: 'submit', class: 'ghost' }, 'Filter'),
  );
  await load();
  return [form, list];
}

async function windowDetail(ctx, userId, storeId) {
  const path = `/v1/contexts/${encodeURIComponent(userId)}/${encodeURIComponent(storeId)}`;
  const w = await api('GET', path);
  const storeData = Object.entries(w.store_data || {});
  const parts = [
    h('p', {}, h('a', { href: '#/context' }, '← All context windows')),
    h(
      'section',
      { class: 'card stack', 'aria-label': 'Store', 'data-window': w.id },
      h('h2', {}, `${w.user_id} · ${w.store_id}`),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Store URL'),
        h('dd', {}, w.store_url || '—'),
        h('dt', {}, 'Store type'),
        h('dd', {}, w.store_type || '—'),
        h('dt', {}, 'Current issues'),
        h('dd', {}, w.current_issues.length ? h('ul', { class: 'issues' }, w.current_issues.map((i) => h('li', {}, i))) : 'none'),
        h('dt', {}, 'Updated'),
        h('dd', {}, fmt.time(w.updated_at)),
      ),
      table([{ label: 'Store data', value: ([k]) => k }, { label: 'Value', value: ([, v]) => h('code', {}, asText(v)) }], storeData, {
        caption: 'Store data',
        empty: 'No store data.',
      }),
    ),
    h(
      'section',
      { class: 'card stack', 'aria-label': 'Recent conversations' },
      h('h2', {}, `Recent conversations (${w.conversations.length} of at most ${w.max_conversations}, ${w.retention_days} days)`),
      w.conversations.length
        ? h(
            'ol',
            { class: 'conversation' },
            w.conversations.map((c) =>
              h(
                'li',
                { 'data-conversation': c.id },
                h('p', { class: null }, `${fmt.time(c.created_at)}${c.category ? ` · ${c.category}` : ''}`),
                h('p', {}, h('strong', {}, 'User: '), c.user_message),
                h('p', {}, h('strong', {}, 'AI: '), c.ai_response),
              ),
            ),
          )
        : h('p', { class: 'hint' }, 'No conversation in the last 30 days.'),
    ),
    h(
      'section',
      { class: 'card stack', 'aria-label': 'Optimisation actions' },
      h('h2', {}, 'Optimisation actions'),
      table(
        [
          { label: 'When', value: (o) => fmt.time(o.created_at) },
          { label: 'Action', value: (o) => o.action },
          { label: 'Result', value: (o) => badge(o.result, o.result === 'success' ? 'good' : 'bad') },
          { label: 'Details', value: (o) => (Object.keys(o.details || {}).length ? h('code', {}, asText(o.details)) : '—') },
        ],
        [...w.optimizations].reverse(),
        { caption: 'Newest first', empty: 'No action in the last 30 days.' },
      ),
    ),
  ];
  if (can(ctx.role, 'app')) {
    const message = h('textarea', { name: 'message', rows: '2' });
    message.value = 'How do I fix my homepage speed?';
    const max = h('input', { type: 'number', name: 'max_chars', min: '100', max: '200000', placeholder: 'no limit' });
    const out = h('div', { 'aria-live': 'polite' });
    const form = formBox({
      title: 'Contextual prompt preview',
      submitLabel: 'Build prompt',
      fields: [field('Message', message), field('Most characters', max, 'the least useful parts are dropped first')],
      onSubmit: async () => {
        const body = { message: message.value };
        if (max.value) body.max_chars = Number(max.value);
        const made = await api('POST', `${path}/prompt`, { body });
        out.replaceChildren(
          h('p', { class: null }, `${made.length} characters, ${made.conversations_included} conversations and ${made.optimizations_included} actions included${made.truncated ? ', shortened to fit' : ''}.`),
          h('pre', { class: 'text-block', tabindex: '0', 'aria-label': 'contextual prompt', 'data-prompt': '' }, made.prompt),
        );
      },
    });
    form.dataset.write = 'preview-prompt';
    parts.push(h('section', { class: 'card stack', 'aria-label': 'Prompt preview' }, form, out));
  }
  return parts;
}

// ---- patterns -------------------------------------------------------------------------------------------------

function parseObject(text, name) {
  if (!text.trim()) return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${name} must be JSON, e.g. {"productCount": ">10"}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${name} must be a JSON object`);
  return value;
}

function patternForm(ctx, reload) {
  const pattern = h('input', { type: 'text', name: 'pattern', placeholder: 'product_description_optimization' });
  const description = h('textarea', { name: 'description', rows: '2' });
  const category = h('input', { type: 'text', name: 'category', placeholder: 'product_optimization' });
  const storeType = h('input', { type: 'text', name: 'store_type', placeholder: 'shopify' });
  const conditions = h('textarea', { name: 'conditions', rows: '3', placeholder: '{"hasShortDescriptions": true, "productCount": ">10"}' });
  const solution = h('textarea', { name: 'solution', rows: '3', placeholder: '{"steps": ["expand_descriptions", "add_keywords"]}' });
  const prior = h('input', { type: 'number', name: 'success_rate', min: '0', max: '1', step: '0.01', placeholder: '0.5' });
  const form = formBox({
    title: 'New pattern',
    submitLabel: 'Save pattern',
    fields: [
      field('Name', pattern, 'letters, digits, _ - .'),
      field('Description', description),
      field('Category', category),
      field('Store type', storeType),
      field('Conditions (JSON)', conditions, 'facts the store must meet: equal values, ">10", lists, {"gte": 3}'),
      field('Solution (JSON)', solution),
      field('Expected success rate', prior, 'the prior, used while outcomes are few'),
    ],
    onSubmit: async () => {
      const body = {
        pattern: pattern.value.trim(),
        description: description.value,
        category: category.value.trim(),
        store_type: storeType.value.trim(),
        conditions: parseObject(conditions.value, 'Conditions'),
        solution: parseObject(solution.value, 'Solution'),
      };
      if (prior.value !== '') body.success_rate = Number(prior.value);
      const made = await api('POST', '/v1/patterns', { body, idempotencyKey: uid(`pat-${Date.now()}`) });
      toast(`Pattern ${made.pattern} saved`);
      await reload();
    },
  });
  form.dataset.write = 'create-pattern';
  return form;
}

async function patternsTab(panel, ctx) {
  const patterns = await apiAll('/v1/patterns');
  const reload = () => screenState(panel, () => patternsTab(panel, ctx));
  const parts = [
    table(
      [
        { label: 'Pattern', value: (p) => h('span', { 'data-pattern': p.id }, p.pattern) },
        { label: 'Description', value: (p) => p.description },
        { label: 'Store type', value: (p) => p.store_type },
        { label: 'Category', value: (p) => p.category },
        { label: 'Success rate', value: (p) => fmt.pct(p.success_rate), numeric: true },
        { label: 'Prior', value: (p) => fmt.pct(p.prior_success_rate), numeric: true },
        { label: 'Uses', value: (p) => fmt.number(p.usage_count), numeric: true },
        { label: 'Worked', value: (p) => `${p.successes} / ${p.usage_count}` },
        {
          label: 'Conditions → solution',
          value: (p) => h('details', {}, h('summary', {}, 'show'), h('pre', { class: 'text-block' }, `${asText(p.conditions)}\n→ ${asText(p.solution)}`)),
        },
      ],
      patterns,
      { caption: 'Patterns, newest first', empty: 'No pattern yet.' },
    ),
  ];
  if (patterns.length) {
    parts.push(
      barChart({
        title: 'Estimated success rate (shrunk toward the prior while outcomes are few)',
        bars: patterns.map((p) => ({ label: `${p.pattern} (${p.usage_count} uses)`, value: p.success_rate })),
        format: (v) => fmt.pct(v),
      }),
    );
  }
  if (can(ctx.role, 'admin')) parts.push(patternForm(ctx, reload));
  return parts;
}

export default {
  id: 'context',
  title: 'Context and patterns',
  async render(root, ctx) {
    const params = ctx.params || {};
    if (params.user_id && params.store_id) {
      await screenState(root, () => windowDetail(ctx, params.user_id, params.store_id));
      return;
    }
    const items = [
      { id: 'windows', label: 'Context windows', render: (panel) => screenState(panel, () => windowsTab(ctx)) },
      { id: 'patterns', label: 'Patterns', render: (panel) => screenState(panel, () => patternsTab(panel, ctx)) },
    ];
    root.replaceChildren(tabs(items, params.tab));
  },
};
