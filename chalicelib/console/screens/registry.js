// Registry and governance (issue 20 item 7, seed 003): model versions with their runs, performance and drift,
// data quality, deployments with rollback, and governance violations to resolve. Every read and write goes
// through /v1; model names, features and resolutions are tenant data and reach the page only as text nodes.

import {
  api,
  apiAll,
  asText,
  badge,
  barChart,
  can,
  chartWidth,
  confirmAction,
  field,
  fmt,
  formBox,
  h,
  lineChart,
  screenState,
  table,
  tabs,
  toast,
  useStyles,
} from '../lib.js';

useStyles('learning.css');

const MODEL_TONE = { training: 'warn', validating: 'warn', validated: 'good', active: 'good', deprecated: null, failed: 'bad', archived: null };
const QUALITY_TONE = { pass: 'good', warning: 'warn', fail: 'bad' };
const VIOLATION_TONE = { open: 'bad', investigating: 'warn', resolved: 'good', false_positive: null };
const SEVERITY_TONE = { critical: 'bad', high: 'bad', medium: 'warn', low: null };

function versionHash(m) {
  return `#/registry?model=${encodeURIComponent(m.model_name)}&version=${encodeURIComponent(m.model_version)}`;
}

function metric(x) {
  return fmt.number(x, 3);
}

// ---- models ---------------------------------------------------------------------------------------------------

async function modelsTab() {
  const models = await apiAll('/v1/registry/models');
  if (!models.length) return null;
  const byName = new Map();
  for (const m of models) {
    if (!byName.has(m.model_name)) byName.set(m.model_name, []);
    byName.get(m.model_name).push(m);
  }
  return [...byName.entries()].map(([name, versions]) =>
    h(
      'section',
      { class: 'card stack', 'aria-label': `Model ${name}`, 'data-model': name },
      h('h2', {}, name),
      table(
        [
          { label: 'Version', value: (m) => h('a', { href: versionHash(m) }, m.model_version) },
          { label: 'Status', value: (m) => badge(m.status, MODEL_TONE[m.status]) },
          { label: 'Type', value: (m) => `${m.model_type} · ${m.algorithm}` },
          { label: 'Accuracy', value: (m) => metric(m.accuracy), numeric: true },
          { label: 'F1', value: (m) => metric(m.f1_score), numeric: true },
          { label: 'Runs running', value: (m) => fmt.number(m.running_runs || 0), numeric: true },
          { label: 'Registered', value: (m) => fmt.time(m.created_at) },
        ],
        versions,
        { caption: `${versions.length} version${versions.length === 1 ? '' : 's'}, newest first` },
      ),
    ),
  );
}

// A run's metric points (GET /v1/registry/runs/{id}: training_metrics) by step, one line per metric.
function runChart(run) {
  const points = run.training_metrics || [];
  const names = [...new Set(points.flatMap((p) => Object.keys(p.values || {})))].filter((k) => k !== 'epoch' && points.some((p) => typeof p.values[k] === 'number'));
  if (!names.length) return null;
  return lineChart({
    title: `Run ${run.run_name}: metrics by step`,
    series: names.map((name) => ({ name, points: points.filter((p) => typeof p.values[name] === 'number').map((p) => ({ x: p.step, y: p.values[name] })) })),
    format: (v) => fmt.number(v, 3),
    width: chartWidth(),
  });
}

async function versionDetail(ctx, name, version) {
  const base = `/v1/registry/models/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
  const [model, runs, drift, performance, importance] = await Promise.all([
    api('GET', base),
    apiAll(`${base}/runs`),
    apiAll(`${base}/drift`),
    api('GET', `${base}/performance`, { query: { window: 'daily', periods: 14 } }).catch(() => null),
    apiAll(`${base}/feature-importance`).catch(() => []),
  ]);
  const latest = runs.length ? await api('GET', `/v1/registry/runs/${encodeURIComponent(runs[0].run_id)}`) : null;
  const head = h(
    'section',
    { class: 'card stack', 'aria-label': 'Model version', 'data-version': `${model.model_name}/${model.model_version}` },
    h('p', {}, h('a', { href: '#/registry' }, '← All models')),
    h('h2', {}, `${model.model_name} ${model.model_version}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, badge(model.status, MODEL_TONE[model.status])),
      h('dt', {}, 'Type'),
      h('dd', {}, `${model.model_type} · ${model.algorithm}`),
      h('dt', {}, 'Features'),
      h('dd', {}, (model.feature_columns || []).join(', ') || '—'),
      h('dt', {}, 'Target'),
      h('dd', {}, model.target_column || '—'),
      h('dt', {}, 'Metrics'),
      h('dd', {}, `accuracy ${metric(model.accuracy)} · precision ${metric(model.precision)} · recall ${metric(model.recall)} · F1 ${metric(model.f1_score)}`),
      h('dt', {}, 'Hyperparameters'),
      h('dd', {}, h('code', {}, asText(model.hyperparameters || {}))),
      model.description ? [h('dt', {}, 'Description'), h('dd', {}, model.description)] : null,
    ),
  );
  const runsPanel = h(
    'section',
    { class: 'card stack', 'aria-label': 'Training runs' },
    h('h2', {}, 'Training runs'),
    table(
      [
        { label: 'Run', value: (r) => r.run_name },
        { label: 'Status', value: (r) => badge(r.status, r.status === 'completed' ? 'good' : r.status === 'failed' ? 'bad' : 'warn') },
        { label: 'Loss', value: (r) => metric(r.loss), numeric: true },
        { label: 'Validation loss', value: (r) => metric(r.validation_loss), numeric: true },
        { label: 'Accuracy', value: (r) => metric(r.accuracy), numeric: true },
        { label: 'Duration', value: (r) => (r.duration_seconds ? fmt.ms(r.duration_seconds * 1000) : '—'), numeric: true },
        { label: 'Started', value: (r) => fmt.time(r.started_at) },
      ],
      runs,
      { caption: 'Newest first', empty: 'No training run yet.' },
    ),
    latest ? runChart(latest) : null,
  );
  const series = performance ? (performance.series || []).filter((s) => s.points.some((p) => p.metric_value !== null)) : [];
  const windows = performance ? (performance.windows || []).filter((w) => w.samples > 0) : [];
  let perfBody;
  if (windows.length > 1) {
    perfBody = lineChart({
      title: 'Performance by day',
      series: series.map((s) => ({ name: s.metric_type, points: s.points.map((p) => ({ x: p.window_start, y: p.metric_value })) })),
      format: (v) => fmt.number(v, 3),
      yMin: 0,
      width: chartWidth(),
    });
  } else if (windows.length === 1) {
    const w = windows[0];
    perfBody = table(
      [
        { label: 'Metric', value: ([k]) => k },
        { label: 'Value', value: ([, v]) => metric(v), numeric: true },
        { label: 'Trend', value: ([k]) => w.trend[k] || '—' },
      ],
      Object.entries(w.metrics),
      { caption: `${fmt.time(w.window_start)}: ${w.samples} labelled of ${w.predictions} predictions (a chart from the second day)` },
    );
  } else {
    perfBody = h('p', { class: 'hint' }, 'No labelled predictions yet: performance needs predictions with their ground truth.');
  }
  const perfPanel = h('section', { class: 'card stack', 'aria-label': 'Performance' }, h('h2', {}, 'Performance by day'), perfBody);
  const driftPanel = h(
    'section',
    { class: 'card stack', 'aria-label': 'Drift' },
    h('h2', {}, 'Drift'),
    drift.length
      ? barChart({
          title: 'Drift score by feature and test, against its threshold',
          bars: drift.map((d) => ({
            label: `${d.feature_name} · ${d.metric} (threshold ${metric(d.threshold)})${d.status === 'detected' ? ': drift' : ''}`,
            value: d.drift_score,
          })),
          format: (v) => fmt.number(v, 3),
        })
      : null,
    table(
      [
        { label: 'Feature', value: (d) => d.feature_name },
        { label: 'Test', value: (d) => `${d.drift_type} · ${d.metric}` },
        { label: 'Score', value: (d) => metric(d.drift_score), numeric: true },
        { label: 'Threshold', value: (d) => metric(d.threshold), numeric: true },
        { label: 'p-value', value: (d) => fmt.number(d.p_value, 4), numeric: true },
        { label: 'Status', value: (d) => badge(d.status, d.status === 'detected' ? 'bad' : 'good') },
        { label: 'Checked', value: (d) => fmt.time(d.checked_at) },
      ],
      drift,
      { caption: 'Latest drift report of each feature', empty: 'No drift report yet: set a baseline, then the detect-drift task checks it.' },
    ),
  );
  const importancePanel = importance.length
    ? h(
        'section',
        { class: 'card stack', 'aria-label': 'Feature importance' },
        h('h2', {}, 'Feature importance'),
        importance.map((fi) =>
          barChart({ title: `Feature importance (${fi.method})`, bars: (fi.features || []).map((f) => ({ label: f.feature_name, value: f.importance })), format: (v) => fmt.number(v, 3) }),
        ),
      )
    : null;
  return [head, runsPanel, perfPanel, driftPanel, importancePanel].filter(Boolean);
}

// ---- deployments ----------------------------------------------------------------------------------------------

async function deploymentsTab(panel, ctx) {
  const deployments = await apiAll('/v1/registry/deployments');
  const admin = can(ctx.role, 'admin');
  const rollback = async (d) => {
    if (!(await confirmAction(`Roll back ${d.deployment_name} (${d.model_name} ${d.model_version}) in ${d.environment}? The deployment it replaced becomes active again.`))) return;
    try {
      const out = await api('PATCH', `/v1/registry/deployments/${encodeURIComponent(d.id)}`, { body: { status: 'rolled_back', reason: 'rolled back from the console' } });
      toast(`Rolled back; ${out.restored_deployment_id || 'no earlier deployment'} is active`);
      await screenState(panel, () => deploymentsTab(panel, ctx));
    } catch (e) {
      toast(e.message, 'error');
    }
  };
  const columns = [
    { label: 'Deployment', value: (d) => h('span', { 'data-deployment': d.id }, d.deployment_name) },
    { label: 'Model', value: (d) => h('a', { href: versionHash(d) }, `${d.model_name} ${d.model_version}`) },
    { label: 'Environment', value: (d) => d.environment },
    { label: 'Status', value: (d) => badge(d.status, d.status === 'active' ? 'good' : null) },
    { label: 'Replaced', value: (d) => d.replaced_deployment_id || '—' },
    { label: 'Deployed', value: (d) => fmt.time(d.created_at) },
  ];
  if (admin) {
    columns.push({
      label: 'Action',
      value: (d) =>
        d.status === 'active'
          ? h('button', { type: 'button', class: 'danger', 'data-write': 'rollback', 'aria-label': `Roll back ${d.deployment_name} ${d.model_version}`, onclick: () => rollback(d) }, 'Roll back')
          : '—',
    });
  }
  return table(columns, deployments, { caption: 'Deployments, newest first', empty: 'No deployment yet.' });
}

// ---- data quality ---------------------------------------------------------------------------------------------

async function qualityTab() {
  const rows = await apiAll('/v1/registry/data-quality');
  return table(
    [
      { label: 'Table', value: (q) => q.table_name },
      { label: 'Column', value: (q) => q.column_name || '—' },
      { label: 'Check', value: (q) => q.quality_metric },
      { label: 'Value', value: (q) => fmt.pct(q.metric_value), numeric: true },
      { label: 'Threshold', value: (q) => fmt.pct(q.threshold), numeric: true },
      { label: 'Status', value: (q) => badge(q.status, QUALITY_TONE[q.status]) },
      { label: 'Measured', value: (q) => fmt.time(q.measured_at) },
    ],
    rows,
    { caption: 'The latest figure of each check', empty: 'No data-quality figure yet: pipeline runs with validation rules record them.' },
  );
}

// ---- governance -----------------------------------------------------------------------------------------------

function violationActions(v, ctx, reload) {
  if (!can(ctx.role, 'admin') || v.status === 'resolved' || v.status === 'false_positive') return null;
  const resolution = h('textarea', { name: 'resolution', rows: '2' });
  const move = async (status) => {
    await api('PATCH', `/v1/governance/violations/${encodeURIComponent(v.id)}`, { body: { status, resolution: resolution.value.trim() || null } });
    toast(`Violation ${status.replace('_', ' ')}`);
    await reload();
  };
  const form = formBox({
    title: null,
    submitLabel: 'Resolve',
    fields: [field('Resolution', resolution, 'what was done about it')],
    onSubmit: () => move('resolved'),
  });
  form.dataset.write = 'resolve';
  const others = h(
    'div',
    { class: 'actions' },
    v.status === 'open'
      ? h('button', { type: 'button', class: 'ghost', 'data-write': 'investigate', onclick: () => move('investigating').catch((e) => toast(e.message, 'error')) }, 'Mark investigating')
      : null,
    h('button', { type: 'button', class: 'ghost', 'data-write': 'false-positive', onclick: () => move('false_positive').catch((e) => toast(e.message, 'error')) }, 'False positive'),
  );
  return h('div', { class: 'violation-actions' }, form, others);
}

async function governanceTab(panel, ctx) {
  const status = h('select', { name: 'status' }, ['open', 'investigating', 'resolved', 'false_positive', ''].map((s) => h('option', { value: s }, s ? s.replace('_', ' ') : 'all')));
  const list = h('div', {});
  const load = () =>
    screenState(list, async () => {
      const violations = await apiAll('/v1/governance/violations', { status: status.value });
      if (!violations.length) return h('p', { class: 'state empty', 'data-state': 'empty' }, `No ${status.value ? status.value.replace('_', ' ') : ''} violation.`);
      return violations.map((v) =>
        h(
          'article',
          { class: 'card', 'data-violation': v.id, 'aria-label': `Violation of ${v.policy_name}` },
          h('header', { class: 'row' }, badge(v.status.replace('_', ' '), VIOLATION_TONE[v.status]), ' ', badge(v.severity, SEVERITY_TONE[v.severity]), h('strong', {}, ` ${v.policy_name}`)),
          h('p', {}, v.description),
          h(
            'dl',
            { class: 'facts' },
            h('dt', {}, 'Model'),
            h('dd', {}, v.model_name ? h('a', { href: versionHash(v) }, `${v.model_name} ${v.model_version}`) : v.subject || '—'),
            h('dt', {}, 'Figure'),
            h('dd', {}, v.metric ? `${v.metric} ${metric(v.latest_value ?? v.value)} against ${metric(v.threshold)}` : '—'),
            h('dt', {}, 'Opened'),
            h('dd', {}, fmt.time(v.opened_at)),
            v.resolution ? [h('dt', {}, 'Resolution'), h('dd', {}, `${v.resolution} (${v.resolved_by || ''} ${fmt.time(v.resolved_at)})`)] : null,
          ),
          violationActions(v, ctx, load),
        ),
      );
    });
  status.addEventListener('change', load);
  const policies = await apiAll('/v1/governance/policies');
  await load();
  return [
    h('section', { class: 'card stack', 'aria-label': 'Violations' }, h('h2', {}, 'Violations'), h('div', { class: 'filters' }, field('Status', status)), list),
    h(
      'section',
      { class: 'card stack', 'aria-label': 'Policies' },
      h('h2', {}, 'Policies'),
      table(
        [
          { label: 'Policy', value: (p) => p.policy_name },
          { label: 'Type', value: (p) => p.policy_type },
          { label: 'Status', value: (p) => badge(p.status, p.status === 'active' ? 'good' : null) },
          { label: 'Thresholds', value: (p) => h('code', {}, asText(p.thresholds || {})) },
        ],
        policies,
        { caption: 'Policies', empty: 'No policy yet.' },
      ),
    ),
  ];
}

export default {
  id: 'registry',
  title: 'Registry and governance',
  async render(root, ctx) {
    const params = ctx.params || {};
    if (params.model && params.version) {
      await screenState(root, () => versionDetail(ctx, params.model, params.version));
      return;
    }
    const items = [
      { id: 'models', label: 'Models', render: (panel) => screenState(panel, () => modelsTab()) },
      { id: 'deployments', label: 'Deployments', render: (panel) => screenState(panel, () => deploymentsTab(panel, ctx)) },
      { id: 'quality', label: 'Data quality', render: (panel) => screenState(panel, () => qualityTab()) },
      { id: 'governance', label: 'Governance', render: (panel) => screenState(panel, () => governanceTab(panel, ctx)) },
    ];
    root.replaceChildren(tabs(items, params.tab));
  },
};
