// Prompts and styles: the tenant's prompts, each one's versions with line diffs, a render preview with variables
// (POST /v1/prompts/{name}/render, an app key or above), creating a new version (PUT /v1/prompts/{name}, admin),
// and the style templates of the tenant's catalog (GET /v1/catalog/styles; installing seed 000's, admin).
import { api, apiAll, can, diffLines, empty, field, fmt, formBox, h, screenState, table, tabs, toast } from '../lib.js';

async function versions(name, latest) {
  const numbers = Array.from({ length: latest }, (_, i) => latest - i).slice(0, 30);
  return Promise.all(numbers.map((version) => api('GET', `/v1/prompts/${encodeURIComponent(name)}`, { query: { version } })));
}

function versionsTab(list, ctx) {
  return async (panel) => {
    const byNumber = new Map(list.map((v) => [v.version, v]));
    const newest = list[0];
    const chosen = byNumber.get(Number(ctx.params.v)) || newest;
    const base = byNumber.get(Number(ctx.params.base)) || byNumber.get(chosen.version - 1) || null;
    const pick = (id, label, selected, onchange) =>
      field(label, h('select', { id, value: String(selected), onchange }, list.map((v) => h('option', { value: String(v.version) }, `version ${v.version} · ${fmt.time(v.created_at)}`))));
    const go = (v, b) => ctx.navigate(`#/prompts?name=${encodeURIComponent(newest.name)}&v=${v}${b ? `&base=${b}` : ''}`);
    panel.append(
      table(
        [
          { label: 'Version', value: (v) => h('a', { href: `#/prompts?name=${encodeURIComponent(v.name)}&v=${v.version}` }, `v${v.version}`), numeric: true },
          { label: 'Created', value: (v) => fmt.time(v.created_at) },
          { label: 'Variables', value: (v) => v.variables.join(', ') || '—' },
          { label: 'Description', value: (v) => v.description || '—' },
        ],
        list,
        { caption: `Versions of ${newest.name}` },
      ),
      h('h3', {}, `Version ${chosen.version}`),
      h('pre', { 'data-template': String(chosen.version), tabindex: '0', 'aria-label': `Template, version ${chosen.version}` }, chosen.template),
    );
    if (list.length > 1) {
      panel.append(
        h('div', { class: 'filters' },
          pick('diff-base', 'Compare', base ? base.version : list[list.length - 1].version, (e) => go(chosen.version, e.target.value)),
          pick('diff-target', 'with', chosen.version, (e) => go(e.target.value, base ? base.version : '')),
        ),
        base && base.version !== chosen.version
          ? h('div', { class: 'stack' }, h('h3', {}, `Changes from v${base.version} to v${chosen.version}`), diffLines(base.template, chosen.template))
          : h('p', { class: 'muted' }, 'Pick two different versions to see their differences.'),
      );
    }
  };
}

function previewTab(list, ctx) {
  return async (panel) => {
    const newest = list[0];
    if (!can(ctx.role, 'app')) {
      panel.append(h('p', { class: 'muted' }, 'The render preview calls POST /v1/prompts/{name}/render, which needs an app or admin key.'));
      return;
    }
    const versionSelect = h('select', { name: 'version' }, list.map((v) => h('option', { value: String(v.version) }, `version ${v.version}`)));
    const inputs = newest.variables.map((name) => field(name, h('input', { type: 'text', name: `var:${name}`, 'data-variable': name, autocomplete: 'off' })));
    const result = h('div', { class: 'stack', 'aria-live': 'polite' });
    panel.append(
      formBox({
        title: 'Render preview',
        fields: [field('Version', versionSelect), ...(inputs.length ? inputs : [h('p', { class: 'muted' }, 'This version has no variables.')])],
        submitLabel: 'Render',
        onSubmit: async (form) => {
          const variables = {};
          for (const [key, value] of new FormData(form).entries()) if (key.startsWith('var:')) variables[key.slice(4)] = String(value);
          const rendered = await api('POST', `/v1/prompts/${encodeURIComponent(newest.name)}/render`, {
            body: { variables, version: Number(versionSelect.value) },
          });
          result.replaceChildren(h('h3', {}, `Rendered with version ${rendered.version}`), h('pre', { 'data-rendered': '', tabindex: '0', 'aria-label': 'Rendered prompt' }, rendered.text));
        },
      }),
      result,
    );
  };
}

function newVersionTab(list, ctx) {
  return async (panel) => {
    const newest = list[0];
    const template = h('textarea', { name: 'template', rows: '8', required: true, 'data-write': 'prompt-template' }, newest.template);
    const description = h('input', { type: 'text', name: 'description', value: '', autocomplete: 'off' });
    const form = formBox({
      title: `New version of ${newest.name}`,
      fields: [field('Template', template, 'Use {variable} for the values filled at render time.'), field('What changed', description)],
      submitLabel: 'Create version',
      onSubmit: async () => {
        const body = { template: template.value, category: newest.category || undefined, description: description.value || undefined };
        const made = await api('PUT', `/v1/prompts/${encodeURIComponent(newest.name)}`, { body });
        toast(`${made.name}: version ${made.version} created`);
        ctx.navigate(`#/prompts?name=${encodeURIComponent(made.name)}&v=${made.version}`);
      },
    });
    form.dataset.write = 'create-prompt-version';
    panel.append(form);
  };
}

async function detail(ctx, name) {
  const latest = await api('GET', `/v1/prompts/${encodeURIComponent(name)}`);
  const list = await versions(name, latest.version);
  const items = [
    { id: 'versions', label: `Versions (${list.length})`, render: versionsTab(list, ctx) },
    { id: 'preview', label: 'Render preview', render: previewTab(list, ctx) },
  ];
  if (can(ctx.role, 'admin')) items.push({ id: 'new', label: 'New version', render: newVersionTab(list, ctx) });
  return h(
    'section',
    { class: 'card stack', 'aria-label': `Prompt ${name}`, 'data-prompt': name },
    h('p', {}, h('a', { href: '#/prompts' }, '← All prompts')),
    h('h2', {}, `${latest.name} · v${latest.version}`),
    latest.description ? h('p', { class: 'muted' }, latest.description) : null,
    tabs(items, ctx.params.tab || 'versions'),
  );
}

function newPromptForm(ctx) {
  const name = h('input', { type: 'text', name: 'name', required: true, placeholder: 'product_caption', autocomplete: 'off' });
  const category = h('input', { type: 'text', name: 'category', placeholder: 'content_caption', autocomplete: 'off' });
  const template = h('textarea', { name: 'template', rows: '4', required: true });
  const form = formBox({
    title: 'New prompt',
    fields: [field('Name', name, 'Lower-case letters, digits, _ and -.'), field('Task category', category), field('Template', template)],
    submitLabel: 'Create prompt',
    onSubmit: async () => {
      const made = await api('PUT', `/v1/prompts/${encodeURIComponent(name.value.trim())}`, {
        body: { template: template.value, category: category.value.trim() || undefined },
      });
      toast(`${made.name}: version ${made.version} created`);
      ctx.navigate(`#/prompts?name=${encodeURIComponent(made.name)}`);
    },
  });
  form.dataset.write = 'create-prompt';
  return form;
}

async function styles(ctx, panel) {
  const installed = await apiAll('/v1/catalog/styles');
  const rows = installed.length ? installed : null;
  const columns = [
    { label: 'Style', value: (s) => s.name },
    { label: 'Description', value: (s) => (s.attributes && s.attributes.description) || '—' },
    { label: 'Mood', value: (s) => (s.attributes && s.attributes.mood) || '—' },
    { label: 'Palette', value: (s) => ((s.attributes && s.attributes.color_palette) || []).join(', ') || '—' },
    { label: 'Flowers', value: (s) => ((s.attributes && s.attributes.flowers) || []).join(', ') || '—' },
  ];
  if (rows) {
    panel.append(table([...columns, { label: 'Used', value: (s) => s.usage_count, numeric: true }, { label: 'Active', value: (s) => (s.is_active ? 'yes' : 'no') }], rows, { caption: 'The tenant’s styles' }));
    return;
  }
  const templates = await apiAll('/v1/catalog-templates/styles');
  panel.append(
    empty('The tenant’s catalog has no style yet. Seed 000’s style templates:'),
    table(columns, templates, { caption: 'Style templates available to install' }),
  );
  if (can(ctx.role, 'admin')) {
    panel.append(
      h('div', { class: 'actions' },
        h('button', {
          type: 'button',
          class: 'primary',
          'data-write': 'install-styles',
          onclick: async (event) => {
            event.target.disabled = true;
            try {
              const done = await api('POST', '/v1/catalog-templates/styles/install');
              toast(`${done.installed} style templates installed`);
              ctx.refresh();
            } catch (err) {
              toast(err.message, 'error');
              event.target.disabled = false;
            }
          },
        }, 'Install the style templates'),
      ),
    );
  }
}

export default {
  id: 'prompts',
  title: 'Prompts and styles',
  async render(root, ctx) {
    const main = h('div', { class: 'stack' });
    const styleBox = h('div', { class: 'stack' });
    root.append(main, h('section', { class: 'card stack', 'aria-label': 'Style templates' }, h('h2', {}, 'Style templates'), styleBox));
    await Promise.all([
      screenState(main, async () => {
        if (ctx.params.name) return detail(ctx, ctx.params.name);
        const prompts = await apiAll('/v1/prompts');
        return [
          h('section', { class: 'card stack', 'aria-label': 'Prompts' },
            h('h2', {}, 'Prompts'),
            table(
              [
                { label: 'Prompt', value: (p) => h('a', { href: `#/prompts?name=${encodeURIComponent(p.name)}`, 'data-prompt-link': p.name }, p.name) },
                { label: 'Latest', value: (p) => `v${p.version}`, numeric: true },
                { label: 'Task', value: (p) => p.category || '—' },
                { label: 'Variables', value: (p) => p.variables.join(', ') || '—' },
                { label: 'Updated', value: (p) => fmt.time(p.created_at) },
              ],
              prompts,
              { empty: 'No prompt yet.', caption: 'The latest version of each prompt' },
            ),
          ),
          can(ctx.role, 'admin') ? newPromptForm(ctx) : null,
        ].filter(Boolean);
      }),
      screenState(styleBox, async () => {
        const holder = h('div', { class: 'stack' });
        await styles(ctx, holder);
        return holder;
      }),
    ]);
  },
};
