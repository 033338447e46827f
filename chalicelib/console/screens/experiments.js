// Experiments (issue 20 item 5): the list, a new experiment (variants with prompts and models, weights, metric,
// floor), the weights over time from the optimiser's history, the results with their intervals, always-valid
// p-values and the sample-ratio check, and stopping with a winner. Every read and write goes through /v1.
// Tenant strings (names, prompts, ids) reach the page only as text nodes through h().

import {
  api,
  apiAll,
  badge,
  can,
  chartWidth,
  confirmAction,
  field,
  fmt,
  formBox,
  h,
  lineChart,
  screenState,
  svg,
  table,
  toast,
  uid,
  useStyles,
} from '../lib.js';

useStyles('learning.css');

const STATUS_TONE = { running: 'good', paused: 'warn', stopped: null };

function link(hash, text) {
  return h('a', { href: hash }, text);
}

function pValue(p) {
  if (p === null || p === undefined) return '—';
  return p < 0.0001 ? '< 0.0001' : fmt.number(p, 4);
}

// ---- the list -------------------------------------------------------------------------------------------------

async function list(root, ctx) {
  const experiments = await apiAll('/v1/experiments');
  const rows = table(
    [
      { label: 'Experiment', value: (e) => link(`#/experiments?id=${encodeURIComponent(e.id)}`, e.name) },
      { label: 'Status', value: (e) => badge(e.status, STATUS_TONE[e.status]) },
      { label: 'Metric', value: (e) => e.metric },
      { label: 'Task', value: (e) => e.category_key || '—' },
      { label: 'Variants', value: (e) => e.variants.length, numeric: true },
      { label: 'Optimiser', value: (e) => (e.auto_optimize ? `on, floor ${fmt.pct(e.min_exploration)}` : 'off') },
      { label: 'Started', value: (e) => fmt.time(e.created_at) },
    ],
    experiments,
    { caption: 'Experiments, newest first', empty: can(ctx.role, 'admin') ? 'No experiment yet: start one below.' : 'No experiment yet: an administrator can start one.' },
  );
  const parts = [h('section', { class: 'card stack', 'aria-label': 'Experiments' }, rows)];
  if (can(ctx.role, 'admin')) parts.push(await createForm(ctx));
  return parts;
}

// ---- a new experiment -----------------------------------------------------------------------------------------

function option(value, text, selected) {
  return h('option', { value, selected: selected || false }, text);
}

async function createForm(ctx) {
  const [tasks, prompts, models] = await Promise.all([
    apiAll('/v1/tasks').catch(() => []),
    apiAll('/v1/prompts').catch(() => []),
    apiAll('/v1/models', { active: true }).catch(() => []),
  ]);
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '200' });
  const category = h(
    'select',
    { name: 'category_key' },
    option('', '(any task)'),
    tasks.map((t) => option(t.category_key, t.category_name || t.category_key)),
  );
  const metric = h('select', { name: 'metric' }, option('success', 'success rate'), option('rating', 'mean rating'));
  const auto = h('input', { type: 'checkbox', name: 'auto_optimize' });
  const floor = h('input', { type: 'number', name: 'min_exploration', min: '0', max: '0.5', step: '0.01', value: '0.05' });
  const variants = h('div', { class: 'variant-rows' });
  const controlGroup = uid('control');

  function variantRow(index) {
    const id = h('input', { type: 'text', name: 'variant_id', value: index === 0 ? 'control' : `variant-${index}`, required: true });
    const vname = h('input', { type: 'text', name: 'variant_name', value: index === 0 ? 'Control' : `Variant ${index}` });
    const prompt = h('textarea', { name: 'variant_prompt', rows: '2', placeholder: 'Inline prompt, e.g. A caption for {flowers}' });
    const promptName = h(
      'select',
      { name: 'variant_prompt_name' },
      option('', '(no named prompt)'),
      prompts.map((p) => option(p.name, `${p.name} v${p.version}`)),
    );
    const model = h('select', { name: 'variant_model' }, option('', '(routing decides)'), models.map((m) => option(m.model_id || m.id, m.model_id || m.id)));
    const weight = h('input', { type: 'number', name: 'variant_weight', min: '0', step: 'any', value: '1' });
    const control = h('input', { type: 'radio', name: controlGroup, value: String(index), checked: index === 0 });
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        'data-write': 'remove-variant',
        onclick: () => {
          if (variants.children.length > 1) row.remove();
        },
      },
      'Remove variant',
    );
    const row = h(
      'fieldset',
      { class: 'variant-row' },
      h('legend', {}, `Variant ${index + 1}`),
      field('Id', id, 'letters, digits, _ - .'),
      field('Name', vname),
      field('Prompt', prompt),
      field('Or a named prompt', promptName),
      field('Model', model),
      field('Weight', weight),
      h('div', { class: 'check' }, control, h('label', { for: control.id || (control.id = uid('ctl')) }, 'Control')),
      remove,
    );
    return row;
  }

  let count = 0;
  const addRow = () => {
    variants.appendChild(variantRow(count));
    count += 1;
  };
  addRow();
  addRow();
  const add = h('button', { type: 'button', class: 'ghost', 'data-write': 'add-variant', onclick: addRow }, 'Add a variant');

  const form = formBox({
    title: 'Start an experiment',
    submitLabel: 'Start experiment',
    fields: [
      field('Name', name),
      field('Task category', category),
      field('Metric', metric, 'success: rated sessions that succeeded; rating: the mean star rating'),
      h('div', { class: 'check' }, auto, h('label', { for: auto.id || (auto.id = uid('auto')) }, 'Let the optimiser move the weights')),
      field('Exploration floor', floor, 'the least share each variant keeps (0 to 0.5)'),
      variants,
      add,
    ],
    onSubmit: async () => {
      const rows = [...variants.querySelectorAll('fieldset.variant-row')];
      const body = {
        name: name.value.trim(),
        metric: metric.value,
        auto_optimize: auto.checked,
        min_exploration: Number(floor.value || 0),
        variants: rows.map((row) => {
          const get = (n) => row.querySelector(`[name="${n}"]`).value;
          const variant = {
            id: get('variant_id').trim(),
            name: get('variant_name').trim() || get('variant_id').trim(),
            weight: Number(get('variant_weight') || 0),
            is_control: row.querySelector(`input[type=radio]`).checked,
          };
          if (get('variant_prompt').trim()) variant.prompt = get('variant_prompt');
          if (get('variant_prompt_name')) variant.prompt_name = get('variant_prompt_name');
          if (get('variant_model')) variant.model_id = get('variant_model');
          return variant;
        }),
      };
      if (category.value) body.category_key = category.value;
      const made = await api('POST', '/v1/experiments', { body, idempotencyKey: uid(`exp-${Date.now()}`) });
      toast(`Experiment "${made.name}" started`);
      ctx.navigate(`#/experiments?id=${encodeURIComponent(made.id)}`);
    },
  });
  form.dataset.write = 'create-experiment';
  return form;
}

// ---- one experiment -------------------------------------------------------------------------------------------

// The share of traffic each variant had, period by period, as steps to now.
function weightsChart(history, experiment) {
  const periods = [...history].sort((a, b) => a.period - b.period);
  const names = new Map(experiment.variants.map((v) => [v.id, v.name]));
  const ids = experiment.variants.map((v) => v.id);
  const now = experiment.stopped_at || new Date().toISOString();
  const series = ids.map((id) => {
    const points = [];
    periods.forEach((p, i) => {
      const share = (p.traffic_shares || {})[id] ?? 0;
      if (i > 0) points.push({ x: p.started_at, y: (periods[i - 1].traffic_shares || {})[id] ?? 0 });
      points.push({ x: p.started_at, y: share });
    });
    if (periods.length) points.push({ x: now, y: (periods[periods.length - 1].traffic_shares || {})[id] ?? 0 });
    const name = String(names.get(id) || id);
    const most = chartWidth() < 640 ? 14 : 26; // the label at the line's end leaves the lines room
    return { name: name.length > most ? `${name.slice(0, most - 1)}…` : name, points };
  });
  return lineChart({ title: 'Traffic share over time', series, format: (v) => fmt.pct(v), yMin: 0, yMax: 1, width: chartWidth() });
}

// A forest plot: each comparison's 95% interval of the difference from the control (its name above it), zero marked.
function intervalChart(comparisons, names, metric) {
  const rows = comparisons.filter((c) => Array.isArray(c.ci95) && c.ci95.length === 2);
  if (!rows.length) return null;
  const width = chartWidth();
  const rowH = 46;
  const pad = { left: 16, right: 16, top: 24, bottom: 8 };
  const height = pad.top + rows.length * rowH + pad.bottom;
  const lo = Math.min(0, ...rows.map((c) => c.ci95[0]));
  const hi = Math.max(0, ...rows.map((c) => c.ci95[1]));
  const span = hi - lo || 1;
  const x = (v) => pad.left + ((v - lo) / span) * (width - pad.left - pad.right);
  const f = metric === 'rating' ? (v) => fmt.number(v, 2) : (v) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)} pts`;
  const title = '95% intervals of the difference from the control';
  const fits = Math.floor((width - pad.left - pad.right) / 6.5);
  return svg(
    'svg',
    { class: 'chart interval-chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, 'data-chart': 'intervals' },
    svg('title', {}, title),
    svg('line', { class: 'zero-line', x1: x(0), x2: x(0), y1: 16, y2: height - pad.bottom }),
    svg('text', { class: 'axis-x', x: x(0), y: 11, 'text-anchor': 'middle' }, 'no difference'),
    rows.map((c, i) => {
      const y = pad.top + i * rowH + 30;
      const mid = c.difference ?? (c.ci95[0] + c.ci95[1]) / 2;
      const name = String(names.get(c.variant_id) || c.variant_id);
      const text = `${name}: ${f(mid)} [${f(c.ci95[0])}, ${f(c.ci95[1])}]`;
      return svg(
        'g',
        { class: ['interval', c.significant ? 'significant' : null], 'data-variant': c.variant_id, 'data-lo': String(c.ci95[0]), 'data-hi': String(c.ci95[1]) },
        svg('text', { class: 'series-label', x: pad.left, y: y - 12 }, text.length > fits ? `${text.slice(0, fits - 1)}…` : text),
        svg('line', { class: 'interval-line', x1: x(c.ci95[0]), x2: x(c.ci95[1]), y1: y, y2: y }),
        svg('circle', { class: 'point', cx: x(mid), cy: y, r: 5 }, svg('title', {}, text)),
      );
    }),
  );
}

function srmBox(srm) {
  if (!srm || srm.p_value === null || srm.p_value === undefined) {
    return h('p', { class: 'hint', 'data-srm': 'unknown' }, 'Sample-ratio check: not enough sessions yet.');
  }
  const observed = Object.entries(srm.observed || {})
    .map(([id, n]) => `${id} ${n} (expected ${fmt.number(srm.expected[id], 1)})`)
    .join(', ');
  if (srm.ok) {
    return h('p', { class: 'hint', 'data-srm': 'ok' }, `Sample-ratio check passed (p = ${pValue(srm.p_value)}): ${observed}.`);
  }
  return h(
    'div',
    { class: 'callout warn', role: 'alert', 'data-srm': 'mismatch' },
    h('strong', {}, 'Sample ratio mismatch'),
    h(
      'p',
      {},
      `The sessions recorded per variant do not match the weights (p = ${pValue(srm.p_value)}): ${observed}. ` +
        'Results are not trustworthy until the cause (lost sessions, a variant that fails, bots) is found.',
    ),
  );
}

function resultsSection(results, experiment) {
  const names = new Map(experiment.variants.map((v) => [v.id, v.name]));
  const rating = results.metric === 'rating';
  const variants = table(
    [
      { label: 'Variant', value: (v) => h('span', {}, v.name, v.is_control ? ' (control)' : '') },
      { label: 'Traffic', value: (v) => fmt.pct(v.traffic_share), numeric: true },
      { label: 'Sessions', value: (v) => fmt.number(v.sessions), numeric: true },
      { label: 'Rated', value: (v) => fmt.number(v.rated), numeric: true },
      { label: 'Successes', value: (v) => fmt.number(v.successes), numeric: true },
      { label: 'Success rate', value: (v) => fmt.pct(v.success_rate), numeric: true },
      { label: 'Mean rating', value: (v) => fmt.number(v.average_rating, 2), numeric: true },
    ],
    results.variants,
    { caption: `Per variant (metric: ${results.metric})` },
  );
  const comparisons = table(
    [
      { label: 'Variant', value: (c) => names.get(c.variant_id) || c.variant_id },
      { label: rating ? 'Diff.' : 'Diff. (pts)', value: (c) => (c.difference === null ? '—' : rating ? fmt.number(c.difference, 3) : fmt.number(c.difference * 100, 1)), numeric: true },
      { label: 'Lift', value: (c) => fmt.pct(c.lift), numeric: true },
      {
        label: '95% interval',
        value: (c) => (c.ci95 ? (rating ? `[${fmt.number(c.ci95[0], 3)}, ${fmt.number(c.ci95[1], 3)}]` : `[${fmt.number(c.ci95[0] * 100, 1)}, ${fmt.number(c.ci95[1] * 100, 1)}] pts`) : '—'),
      },
      { label: 'p-value', value: (c) => pValue(c.p_value), numeric: true },
      { label: 'Always-valid p', value: (c) => pValue(c.always_valid_p_value), numeric: true },
      { label: 'P(beats control)', value: (c) => fmt.pct(c.chance_to_beat_control), numeric: true },
      { label: 'Decision', value: (c) => (c.always_valid_p_value <= results.alpha ? badge('decided', 'good') : badge('undecided', null)) },
    ],
    results.comparisons,
    { caption: 'Each variant against the control', empty: 'One variant only: nothing to compare.' },
  );
  return h(
    'section',
    { class: 'card stack', 'aria-label': 'Results', 'data-results': results.experiment_id },
    h('h2', {}, 'Results'),
    srmBox(results.srm),
    variants,
    comparisons,
    intervalChart(results.comparisons, names, results.metric),
    h(
      'p',
      { class: 'hint' },
      `The always-valid p-value stays valid however often these results are looked at; decide on it (at ${results.alpha}). ` +
        `The classic p-value is for a single look at a fixed sample. Computed ${fmt.time(results.computed_at)}.`,
    ),
  );
}

function actions(experiment, ctx) {
  if (!can(ctx.role, 'admin') || experiment.status === 'stopped') return null;
  const patch = async (body, message) => {
    await api('PATCH', `/v1/experiments/${encodeURIComponent(experiment.id)}`, { body });
    toast(message);
    ctx.refresh();
  };
  const winner = h(
    'select',
    { name: 'winner' },
    experiment.variants.map((v) => option(v.id, `${v.name}${v.is_control ? ' (control)' : ''}`, v.is_control)),
  );
  const stop = formBox({
    title: 'Stop with a winner',
    submitLabel: 'Stop experiment',
    fields: [field('Winner', winner, 'everyone gets the winner from now on; a stopped experiment cannot run again')],
    onSubmit: async () => {
      const chosen = experiment.variants.find((v) => v.id === winner.value);
      if (!(await confirmAction(`Stop "${experiment.name}" with "${chosen ? chosen.name : winner.value}" as the winner?`))) return;
      await patch({ status: 'stopped', winner_variant_id: winner.value }, 'Experiment stopped');
    },
  });
  stop.dataset.write = 'stop-experiment';
  const toggle =
    experiment.status === 'running'
      ? h('button', { type: 'button', class: 'ghost', 'data-write': 'pause', onclick: () => patch({ status: 'paused' }, 'Experiment paused').catch((e) => toast(e.message, 'error')) }, 'Pause')
      : h('button', { type: 'button', class: 'ghost', 'data-write': 'resume', onclick: () => patch({ status: 'running' }, 'Experiment running').catch((e) => toast(e.message, 'error')) }, 'Resume');
  const optimise = h(
    'button',
    {
      type: 'button',
      class: 'ghost',
      'data-write': 'optimize',
      onclick: async () => {
        try {
          const out = await api('POST', `/v1/experiments/${encodeURIComponent(experiment.id)}/optimize`);
          toast(out.changed ? 'Weights moved by the optimiser' : `Weights unchanged (${out.reason})`);
          ctx.refresh();
        } catch (e) {
          toast(e.message, 'error');
        }
      },
    },
    'Optimise weights now',
  );
  return h('section', { class: 'card stack', 'aria-label': 'Actions' }, h('h2', {}, 'Actions'), h('div', { class: 'actions' }, toggle, optimise), stop);
}

async function detail(ctx, id) {
  const path = `/v1/experiments/${encodeURIComponent(id)}`;
  const [experiment, results, history] = await Promise.all([api('GET', path), api('GET', `${path}/results`), apiAll(`${path}/history`)]);
  const winner = experiment.variants.find((v) => v.id === experiment.winner_variant_id);
  const head = h(
    'section',
    { class: 'card stack', 'aria-label': 'Experiment', 'data-experiment': experiment.id },
    h('p', {}, link('#/experiments', '← All experiments')),
    h('h2', {}, experiment.name),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, badge(experiment.status, STATUS_TONE[experiment.status])),
      h('dt', {}, 'Metric'),
      h('dd', {}, experiment.metric),
      h('dt', {}, 'Task'),
      h('dd', {}, experiment.category_key || 'any'),
      h('dt', {}, 'Optimiser'),
      h('dd', {}, experiment.auto_optimize ? `Thompson sampling, floor ${fmt.pct(experiment.min_exploration)}, after ${experiment.min_rated_per_arm} rated per variant` : 'off (fixed weights)'),
      h('dt', {}, 'Started'),
      h('dd', {}, fmt.time(experiment.created_at)),
      experiment.status === 'stopped' ? [h('dt', {}, 'Winner'), h('dd', { 'data-winner': experiment.winner_variant_id || '' }, winner ? winner.name : '—')] : null,
    ),
    table(
      [
        { label: 'Variant', value: (v) => h('span', {}, v.name, v.is_control ? ' (control)' : '', h('br', {}), h('small', { class: 'muted' }, `id ${v.id}`)) },
        { label: 'Prompt', value: (v) => (v.prompt ? h('span', { class: 'clip' }, v.prompt) : v.prompt_name ? `${v.prompt_name}${v.prompt_version ? ` v${v.prompt_version}` : ''}` : '—') },
        { label: 'Model', value: (v) => v.model_id || 'routing' },
        { label: 'Weight', value: (v) => fmt.number(v.weight, 3), numeric: true },
        { label: 'Traffic share', value: (v) => fmt.pct(v.traffic_share), numeric: true },
        { label: 'Active', value: (v) => (v.active ? 'yes' : 'no') },
      ],
      experiment.variants,
      { caption: 'Variants' },
    ),
  );
  const weights = h(
    'section',
    { class: 'card stack', 'aria-label': 'Weights over time' },
    h('h2', {}, 'Weights over time'),
    weightsChart(history, experiment),
    table(
      [
        { label: 'Period', value: (p) => p.period, numeric: true },
        { label: 'From', value: (p) => fmt.time(p.started_at) },
        { label: 'Why', value: (p) => `${p.reason} (${p.trigger})` },
        { label: 'Shares', value: (p) => Object.entries(p.traffic_shares || {}).map(([k, v]) => `${k} ${fmt.pct(v)}`).join(', ') },
      ],
      history,
      { caption: 'Changes of weights, newest first' },
    ),
  );
  return [head, resultsSection(results, experiment), weights, actions(experiment, ctx)].filter(Boolean);
}

export default {
  id: 'experiments',
  title: 'Experiments',
  async render(root, ctx) {
    const id = ctx.params && ctx.params.id;
    await screenState(root, () => (id ? detail(ctx, id) : list(root, ctx)));
  },
};
