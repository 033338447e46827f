// Settings: API keys (create, revoke), limits and budget, scheduled tasks (enable, run now, last result).
// Keys and tasks are an admin's (GET /v1/api-keys and /v1/scheduler/tasks need an admin key); limits are readable by all.
import { api, apiAll, can, confirmAction, field, fmt, formBox, h, screenState, table, toast } from '../lib.js';

function keysSection(ctx) {
  const box = h('div', { class: 'stack' });
  const created = h('div', { class: 'stack', 'aria-live': 'polite' });
  const load = () =>
    screenState(box, async () => {
      const keys = await apiAll('/v1/api-keys');
      return table(
        [
          { label: 'Name', value: (k) => h('span', { 'data-key': k.id }, k.name) },
          { label: 'Role', value: (k) => h('span', { class: 'badge' }, k.role) },
          { label: 'Prefix', value: (k) => h('code', {}, k.prefix) },
          { label: 'Created', value: (k) => fmt.time(k.created_at) },
          {
            label: 'Actions',
            value: (k) =>
              k.id === ctx.me.key_id
                ? h('span', { class: 'muted' }, 'this key')
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'ghost',
                      'data-write': 'revoke-key',
                      'data-revoke': k.id,
                      'aria-label': `Revoke the key ${k.name}`,
                      onclick: async (event) => {
                        if (!(await confirmAction(`Revoke the key “${k.name}”? It answers 401 from then on.`))) return;
                        event.target.disabled = true;
                        try {
                          await api('DELETE', `/v1/api-keys/${encodeURIComponent(k.id)}`);
                          toast(`Key ${k.name} revoked`);
                          await load();
                        } catch (err) {
                          toast(err.message, 'error');
                          event.target.disabled = false;
                        }
                      },
                    },
                    'Revoke',
                  ),
          },
        ],
        keys,
        { caption: 'Active keys (secrets are never shown again)' },
      );
    });
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const role = h('select', { name: 'role', value: 'read' }, ['read', 'app', 'admin'].map((r) => h('option', { value: r }, r)));
  const form = formBox({
    title: 'Create a key',
    fields: [field('Name', name), field('Role', role, 'read: look only; app: your backend; admin: change settings.')],
    submitLabel: 'Create key',
    onSubmit: async () => {
      const made = await api('POST', '/v1/api-keys', { body: { name: name.value.trim(), role: role.value } });
      created.replaceChildren(
        h('p', {}, `Key “${made.name}” (${made.role}) created. Copy its secret now: it is never shown again.`),
        h('pre', { 'data-new-key': made.id, tabindex: '0', 'aria-label': 'The new key’s secret' }, made.key),
      );
      name.value = '';
      await load();
    },
  });
  form.dataset.write = 'create-key';
  return { nodes: [box, form, created], load };
}

function limitsSection(ctx, limits) {
  const facts = h(
    'dl',
    { class: 'facts', 'data-limits': '' },
    h('dt', {}, 'Monthly budget'),
    h('dd', {}, limits.monthly_budget_usd === null || limits.monthly_budget_usd === undefined ? 'none' : fmt.money(limits.monthly_budget_usd)),
    h('dt', {}, 'At the budget'),
    h('dd', {}, limits.on_budget === 'downgrade' ? 'downgrade to cheaper models' : 'block requests'),
    h('dt', {}, 'Requests per minute'),
    h('dd', {}, limits.requests_per_minute === null || limits.requests_per_minute === undefined ? 'platform default' : fmt.number(limits.requests_per_minute)),
  );
  if (!can(ctx.role, 'admin')) return [facts];
  const budget = h('input', { type: 'number', name: 'monthly_budget_usd', min: '0', step: '0.01', value: limits.monthly_budget_usd ?? '' });
  const onBudget = h('select', { name: 'on_budget', value: limits.on_budget || 'block' }, h('option', { value: 'block' }, 'block requests'), h('option', { value: 'downgrade' }, 'downgrade to cheaper models'));
  const rpm = h('input', { type: 'number', name: 'requests_per_minute', min: '1', step: '1', value: limits.requests_per_minute ?? '' });
  const form = formBox({
    title: 'Change the limits',
    fields: [field('Monthly budget (USD)', budget, 'Empty: no budget.'), field('At the budget', onBudget), field('Requests per minute', rpm, 'Empty: the platform default.')],
    submitLabel: 'Save limits',
    onSubmit: async () => {
      const body = { on_budget: onBudget.value };
      body.monthly_budget_usd = budget.value === '' ? null : Number(budget.value);
      body.requests_per_minute = rpm.value === '' ? null : Number(rpm.value);
      await api('PUT', '/v1/tenants/me/limits', { body });
      toast('Limits saved');
      ctx.refresh();
    },
  });
  form.dataset.write = 'limits';
  return [facts, form];
}

function tasksSection(ctx) {
  const box = h('div', { class: 'stack' });
  const load = () =>
    screenState(box, async () => {
      const tasks = await apiAll('/v1/scheduler/tasks');
      const act = (label, write, task, run) =>
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'data-write': write,
            'data-task': task.name,
            'aria-label': `${label}: ${task.name}`,
            onclick: async (event) => {
              event.target.disabled = true;
              event.target.setAttribute('aria-busy', 'true');
              try {
                await run();
                await load();
              } catch (err) {
                toast(err.message, 'error');
                event.target.disabled = false;
                event.target.removeAttribute('aria-busy');
              }
            },
          },
          label,
        );
      return table(
        [
          { label: 'Task', value: (t) => h('span', { title: t.description }, t.name) },
          { label: 'Schedule', value: (t) => h('code', {}, t.schedule) },
          { label: 'Enabled', value: (t) => h('span', { class: 'badge', 'data-status': t.enabled ? 'active' : 'paused', 'data-enabled': String(t.enabled) }, t.enabled ? 'on' : 'off') },
          { label: 'Last run', value: (t) => (t.last_run_at ? `${fmt.time(t.last_run_at)} (${t.last_trigger || 'schedule'})` : 'never') },
          { label: 'Last result', value: (t) => (t.last_status ? h('span', { 'data-last-status': t.last_status }, h('span', { class: 'badge', 'data-status': t.last_status }, t.last_status), ' ', t.last_error || (t.last_result ? JSON.stringify(t.last_result).slice(0, 160) : '')) : '—') },
          { label: 'Runs', value: (t) => `${t.runs}${t.failures ? ` (${t.failures} failed)` : ''}`, numeric: true },
          {
            label: 'Actions',
            value: (t) =>
              h(
                'div',
                { class: 'actions' },
                act('Run now', 'run-task', t, async () => {
                  const result = await api('POST', `/v1/scheduler/tasks/${encodeURIComponent(t.name)}/run`);
                  toast(`${t.name}: ${result.status || 'done'}`);
                }),
                act(t.enabled ? 'Disable' : 'Enable', 'toggle-task', t, async () => {
                  await api('PUT', `/v1/scheduler/tasks/${encodeURIComponent(t.name)}`, { body: { enabled: !t.enabled } });
                  toast(`${t.name} ${t.enabled ? 'disabled' : 'enabled'}`);
                }),
              ),
          },
        ],
        tasks,
        { caption: 'Scheduled tasks of this tenant', empty: 'No scheduled task.' },
      );
    });
  return { nodes: [box], load };
}

function card(title, ...children) {
  return h('section', { class: 'card stack', 'aria-label': title }, h('h2', {}, title), ...children);
}

export default {
  id: 'settings',
  title: 'Settings',
  async render(root, ctx) {
    const limitsBox = h('div', { class: 'stack' });
    const limitsLoad = screenState(limitsBox, async () => limitsSection(ctx, await api('GET', '/v1/tenants/me/limits')));
    if (!can(ctx.role, 'admin')) {
      root.append(
        card('Limits and budget', limitsBox),
        card('API keys and scheduled tasks', h('p', { class: 'muted' }, `Keys and scheduled tasks are managed with an admin key; this is a ${ctx.role} key (“${ctx.me.name}”).`)),
      );
      await limitsLoad;
      return;
    }
    const keys = keysSection(ctx);
    const tasks = tasksSection(ctx);
    root.append(card('API keys', ...keys.nodes), card('Limits and budget', limitsBox), card('Scheduled tasks', ...tasks.nodes));
    await Promise.all([limitsLoad, keys.load(), tasks.load()]);
  },
};
