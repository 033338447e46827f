// Models and routing: the catalog, the task categories and their model mappings, the per-task leaderboard
// (GET /v1/analytics/models, all time), and "why this model" for a request (POST /v1/route, an app key or above).
import { api, apiAll, barChart, can, field, fmt, formBox, h, screenState, table, tabs } from '../lib.js';

function catalogTab(models) {
  return async (panel) => {
    panel.append(
      table(
        [
          { label: 'Model', value: (m) => h('span', { 'data-model': m.model_id }, m.model_name) },
          { label: 'Id', value: (m) => h('code', {}, m.model_id) },
          { label: 'Provider', value: (m) => m.provider },
          { label: 'Capabilities', value: (m) => (m.capabilities || []).join(', ') },
          { label: 'Cost', value: (m) => `${m.cost_bucket}${m.cost_per_1k_input || m.cost_per_1k_output ? ` · ${fmt.money(m.cost_per_1k_input)} / ${fmt.money(m.cost_per_1k_output)} per 1k` : ''}${m.cost_per_request ? ` · ${fmt.money(m.cost_per_request)} per call` : ''}` },
          { label: 'Speed', value: (m) => fmt.ms(m.average_speed_ms), numeric: true },
          { label: 'State', value: (m) => h('span', { class: 'badge', 'data-status': m.is_active ? 'active' : 'paused' }, m.is_active ? (m.is_recommended ? 'recommended' : 'active') : 'inactive') },
        ],
        models,
        { empty: 'The catalog has no model.', caption: 'The tenant’s model catalog' },
      ),
    );
  };
}

function tasksTab(tasks, names, ctx) {
  return async (panel) => {
    const chosen = tasks.find((t) => t.category_key === ctx.params.task) || tasks[0];
    const select = h(
      'select',
      { id: 'mapping-task', value: chosen ? chosen.category_key : '', onchange: (e) => ctx.navigate(`#/models?tab=tasks&task=${encodeURIComponent(e.target.value)}`) },
      tasks.map((t) => h('option', { value: t.category_key }, t.category_name)),
    );
    panel.append(
      table(
        [
          { label: 'Task', value: (t) => h('span', {}, t.category_name, ' ', h('code', {}, t.category_key)) },
          { label: 'Needs', value: (t) => (t.required_capabilities || []).join(', ') || '—' },
          { label: 'Prefers', value: (t) => (t.preferred_capabilities || []).join(', ') || '—' },
          { label: 'Default', value: (t) => `${t.default_priority}, ${t.default_complexity}` },
        ],
        tasks,
        { empty: 'No task category.', caption: 'Task categories' },
      ),
    );
    if (!chosen) return;
    const mappings = await apiAll(`/v1/tasks/${encodeURIComponent(chosen.category_key)}/models`);
    panel.append(
      h('div', { class: 'filters' }, field('Mappings of', select)),
      table(
        [
          { label: 'Model', value: (m) => names.get(m.model_id) || m.model_id },
          { label: 'Suitability', value: (m) => fmt.number(m.suitability_score, 2), numeric: true },
          { label: 'Rank', value: (m) => m.priority_rank, numeric: true },
          { label: 'Recommended', value: (m) => (m.is_recommended ? 'yes' : 'no') },
          { label: 'Uses', value: (m) => fmt.number(m.total_uses), numeric: true },
          { label: 'Success', value: (m) => fmt.pct(m.success_rate), numeric: true },
          { label: 'Quality', value: (m) => fmt.number(m.average_quality, 2), numeric: true },
        ],
        mappings,
        { empty: 'No model is mapped to this task.', caption: `Models mapped to ${chosen.category_name}` },
      ),
    );
  };
}

function leaderboardTab(tasks, names, ctx) {
  return async (panel) => {
    const task = ctx.params.board || '';
    const select = h(
      'select',
      { id: 'board-task', value: task, onchange: (e) => ctx.navigate(`#/models?tab=leaderboard&board=${encodeURIComponent(e.target.value)}`) },
      h('option', { value: '' }, 'Every task'),
      tasks.map((t) => h('option', { value: t.category_key }, t.category_name)),
    );
    const rows = await apiAll('/v1/analytics/models', { period: 'all_time', category_key: task || null });
    rows.sort((a, b) => (b.recommendation_score ?? -1) - (a.recommendation_score ?? -1) || b.total_requests - a.total_requests);
    const label = (r) => `${names.get(r.model_id) || r.model_id} · ${r.category_key}`;
    panel.append(
      h('div', { class: 'filters' }, field('Task', select)),
      rows.length
        ? barChart({ title: 'Recommendation score (all time)', bars: rows.filter((r) => r.recommendation_score !== null && r.recommendation_score !== undefined).map((r) => ({ label: label(r), value: r.recommendation_score })), format: (v) => fmt.number(v, 3) })
        : null,
      table(
        [
          { label: 'Model', value: (r) => h('span', { 'data-leader': r.model_id, 'data-category': r.category_key }, names.get(r.model_id) || r.model_id) },
          { label: 'Task', value: (r) => r.category_key },
          { label: 'Requests', value: (r) => fmt.number(r.total_requests), numeric: true },
          { label: 'Feedback', value: (r) => fmt.number(r.total_feedback), numeric: true },
          { label: 'Satisfaction', value: (r) => fmt.number(r.satisfaction_score, 3), numeric: true },
          { label: 'Success', value: (r) => fmt.pct(r.success_rate), numeric: true },
          { label: 'Cost', value: (r) => fmt.money(r.total_cost_usd), numeric: true },
          { label: 'Score', value: (r) => fmt.number(r.recommendation_score, 3), numeric: true },
        ],
        rows,
        { empty: 'No figures yet: the aggregate-metrics task rolls them up from the sessions.', caption: 'Leaderboard, best first' },
      ),
    );
  };
}

function whyTab(tasks, names, ctx) {
  return async (panel) => {
    if (!can(ctx.role, 'app')) {
      panel.append(h('p', { class: 'muted' }, '“Why this model” asks POST /v1/route, which needs an app or admin key.'));
      return;
    }
    const preset = tasks.some((t) => t.category_key === ctx.params.task) ? ctx.params.task : undefined;
    const task = h('select', { name: 'category_key', value: preset }, tasks.map((t) => h('option', { value: t.category_key }, t.category_name)));
    const priority = h('select', { name: 'priority' }, ['', 'speed', 'balanced', 'quality'].map((p) => h('option', { value: p }, p || 'the task’s default')));
    const complexity = h('select', { name: 'complexity' }, ['', 'simple', 'moderate', 'complex'].map((p) => h('option', { value: p }, p || 'the task’s default')));
    const input = h('textarea', { name: 'input', rows: '3', placeholder: 'The request’s text, as a user would send it' });
    const result = h('div', { class: 'stack', 'aria-live': 'polite' });
    panel.append(
      formBox({
        title: 'Why this model?',
        fields: [field('Task', task), field('Priority', priority), field('Complexity', complexity), field('Input', input, 'Optional: request-level routing reads it.')],
        submitLabel: 'Route',
        onSubmit: async () => {
          const body = { category_key: task.value };
          if (priority.value) body.priority = priority.value;
          if (complexity.value) body.complexity = complexity.value;
          if (input.value.trim()) body.input = input.value;
          const decision = await api('POST', '/v1/route', { body });
          const selected = decision.selected;
          result.replaceChildren(
            h('p', { 'data-selected': selected.model_id }, 'Selected ', h('strong', {}, names.get(selected.model_id) || selected.model_id), ` (${selected.model_id}) by ${selected.selected_by}, confidence ${fmt.number(selected.confidence_score, 2)}.`),
            table(
              [
                { label: 'Candidate', value: (c) => names.get(c.model_id) || c.model_id },
                { label: 'Score', value: (c) => fmt.number(c.score, 3), numeric: true },
                { label: 'Reasons', value: (c) => h('ul', { class: 'reasons' }, (c.reasons || []).map((r) => h('li', {}, String(r)))) },
              ],
              decision.candidates || [],
              { caption: 'Candidates and their reasons', empty: 'No candidate.' },
            ),
          );
        },
      }),
      result,
    );
  };
}

export default {
  id: 'models',
  title: 'Models and routing',
  async render(root, ctx) {
    await screenState(root, async () => {
      const [models, tasks] = await Promise.all([apiAll('/v1/models'), apiAll('/v1/tasks')]);
      const names = new Map(models.map((m) => [m.model_id, m.model_name]));
      return tabs(
        [
          { id: 'catalog', label: 'Catalog', render: catalogTab(models) },
          { id: 'tasks', label: 'Tasks and mappings', render: tasksTab(tasks, names, ctx) },
          { id: 'leaderboard', label: 'Leaderboard', render: leaderboardTab(tasks, names, ctx) },
          { id: 'why', label: 'Why this model', render: whyTab(tasks, names, ctx) },
        ],
        ctx.params.tab || 'catalog',
      );
    });
  },
};
