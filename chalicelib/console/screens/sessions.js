// Sessions: filter by user, task, model, experiment, rating and time; one session in full (input, output text or
// images, feedback, corrections, the routing decision with its candidates and reasons, attempts and cost). Reads only.
import { api, apiAll, blobUrl, empty, field, fmt, h, screenState, table } from '../lib.js';

const RATINGS = [
  ['', 'Any'],
  ['rated', 'With feedback'],
  ['good', 'Good (4+ stars or thumbs up)'],
  ['bad', 'Poor (2 stars or less, or thumbs down)'],
  ['unrated', 'No feedback'],
];
const MAX_LISTED = 600;

function text(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2);
}

function block(label, value) {
  if (value === null || value === undefined || value === '') return null;
  return h('div', { class: 'stack' }, h('h3', {}, label), h('pre', { tabindex: '0', 'aria-label': label }, text(value)));
}

function corrections(list) {
  if (!list.length) return h('p', { class: 'muted' }, 'No manual correction.');
  const item = (c) =>
    c && typeof c === 'object' && !Array.isArray(c)
      ? h('dl', { class: 'facts' }, Object.entries(c).map(([k, v]) => [h('dt', {}, k), h('dd', {}, text(v))]))
      : text(c);
  return h('div', { class: 'stack' }, h('h3', {}, 'Manual corrections'), h('ol', { class: 'stack', 'data-corrections': String(list.length) }, list.map((c) => h('li', {}, item(c)))));
}

function ratingOf(s) {
  if (!s.feedback_count) return 'none';
  const parts = [];
  if (s.average_rating !== null && s.average_rating !== undefined) parts.push(`${fmt.number(s.average_rating, 1)} ★`);
  parts.push(`${s.success_count}/${s.rated_feedback_count || s.feedback_count} good`);
  return parts.join(' · ');
}

function matchesRating(s, rating) {
  if (!rating) return true;
  if (rating === 'rated') return s.feedback_count > 0;
  if (rating === 'unrated') return !s.feedback_count;
  if (rating === 'good') return s.rated_feedback_count > 0 && s.success_count / s.rated_feedback_count >= 0.5;
  if (rating === 'bad') return s.rated_feedback_count > 0 && s.success_count / s.rated_feedback_count < 0.5;
  return true;
}

function isoDay(value, end) {
  if (!value) return null;
  return end ? `${value}T23:59:59Z` : `${value}T00:00:00Z`;
}

function filters(ctx, options) {
  const p = ctx.params;
  const input = (name, attrs) => h('input', { name, id: `f-${name}`, value: p[name] || '', ...attrs });
  const select = (name, choices) =>
    h('select', { name, id: `f-${name}`, value: p[name] || '' }, choices.map(([value, label]) => h('option', { value }, label)));
  const form = h(
    'form',
    { class: 'filters card', role: 'search', 'aria-label': 'Filter sessions' },
    field('User', input('user_id', { type: 'text', placeholder: 'user id', autocomplete: 'off' })),
    field('Task', select('category_key', [['', 'Any task'], ...options.tasks.map((t) => [t.category_key, t.category_name || t.category_key])])),
    field('Model', select('model_id', [['', 'Any model'], ...options.models.map((m) => [m.model_id, `${m.model_name} (${m.model_id})`])])),
    field('Experiment', select('experiment_id', [['', 'Any experiment'], ...options.experiments.map((x) => [x.id, x.name])])),
    field('Rating', select('rating', RATINGS)),
    field('From', input('from', { type: 'date' })),
    field('To', input('to', { type: 'date' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Apply'), h('a', { href: '#/sessions', class: 'button-link' }, 'Clear')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form).entries()) if (value) query.set(name, String(value));
    ctx.navigate(`#/sessions${query.toString() ? `?${query}` : ''}`);
  });
  return form;
}

async function listView(ctx, models) {
  const p = ctx.params;
  const found = await apiAll('/v1/sessions', {
    user_id: p.user_id,
    category_key: p.category_key,
    experiment_id: p.experiment_id,
    from: isoDay(p.from, false),
    to: isoDay(p.to, true),
  });
  const names = new Map(models.map((m) => [m.model_id, m.model_name]));
  const rows = found.filter((s) => (!p.model_id || s.model_id === p.model_id) && matchesRating(s, p.rating)).slice(0, MAX_LISTED);
  const link = (s) => {
    const query = new URLSearchParams({ ...p, id: s.id });
    return h('a', { href: `#/sessions?${query}`, 'data-session': s.id }, fmt.time(s.created_at));
  };
  return [
    h('p', { class: 'muted', 'data-count': String(rows.length) }, `${rows.length} session${rows.length === 1 ? '' : 's'}${found.length >= 2000 ? ' (the newest 2,000 searched)' : ''}.`),
    table(
      [
        { label: 'When', value: link },
        { label: 'User', value: (s) => s.user_id },
        { label: 'Task', value: (s) => s.category_key },
        { label: 'Model', value: (s) => (s.model_id ? names.get(s.model_id) || s.model_id : '—') },
        { label: 'Experiment', value: (s) => (s.variant_id ? `${s.variant_id}` : '—') },
        { label: 'Feedback', value: ratingOf },
        { label: 'Cost', value: (s) => (s.cost_usd === null || s.cost_usd === undefined ? '—' : fmt.money(s.cost_usd)), numeric: true },
      ],
      rows,
      { empty: 'No session matches these filters.', caption: 'Sessions, newest first' },
    ),
  ];
}

async function images(session) {
  const list = session.images || [];
  if (!list.length) return null;
  const designs = await api('GET', '/v1/designs', { query: { limit: 200 } });
  const design = (designs.items || []).find((d) => d.session_id === session.id);
  if (!design) {
    return h('p', { class: 'muted' }, `${list.length} stored image${list.length === 1 ? '' : 's'} (available through the API's presigned links).`);
  }
  const src = await blobUrl(`/v1/designs/${encodeURIComponent(design.id)}/thumbnail`);
  return h('figure', { class: 'stack' }, h('img', { class: 'thumb', src, alt: `Design ${design.id}: ${design.user_prompt || design.prompt}` }), h('figcaption', { class: 'muted small' }, `Design ${design.id}`));
}

async function detailView(ctx, models) {
  const s = await api('GET', `/v1/sessions/${encodeURIComponent(ctx.params.id)}`);
  const names = new Map(models.map((m) => [m.model_id, m.model_name]));
  const modelLabel = (id) => (id ? (names.get(id) ? `${names.get(id)} (${id})` : id) : '—');
  const back = new URLSearchParams(ctx.params);
  back.delete('id');
  const facts = [
    ['Session', s.id],
    ['User', s.user_id],
    ['Task', s.category_key],
    ['Model', modelLabel(s.model_id)],
    ['Selected by', s.selected_by || '—'],
    ['Confidence', s.confidence_score === null || s.confidence_score === undefined ? '—' : fmt.number(s.confidence_score, 2)],
    ['Experiment', s.experiment_id ? `${s.experiment_id} / ${s.variant_id || '—'}` : '—'],
    ['Source', s.source],
    ['Status', s.status || '—'],
    ['Latency', fmt.ms(s.latency_ms ?? s.processing_time_ms)],
    ['Tokens', s.usage ? `${fmt.number(s.usage.input_tokens)} in, ${fmt.number(s.usage.output_tokens)} out` : '—'],
    ['Cost', s.cost_usd === null || s.cost_usd === undefined ? '—' : fmt.money(s.cost_usd)],
    ['Quality score', s.quality_score === null || s.quality_score === undefined ? '—' : fmt.number(s.quality_score, 2)],
    ['Recorded', fmt.time(s.created_at)],
  ];
  const output = s.images && s.images.length ? await images(s) : block('Output', s.output);
  const candidates = s.candidates || [];
  const attempts = s.attempts || [];
  return h(
    'article',
    { class: 'stack', 'data-session-detail': s.id, 'aria-label': `Session ${s.id}` },
    h('p', {}, h('a', { href: `#/sessions${back.toString() ? `?${back}` : ''}` }, '← All sessions')),
    h('div', { class: 'grid' },
      h('section', { class: 'card stack', 'aria-label': 'Facts' }, h('h2', {}, 'Session'), h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
      h('section', { class: 'card stack', 'aria-label': 'Input and output' }, h('h2', {}, 'Input and output'), block('Input', s.input), output || empty('No output recorded.'), block('Corrected output', s.corrected_output)),
    ),
    h('section', { class: 'card stack', 'aria-label': 'Feedback and corrections' },
      h('h2', {}, 'Feedback and corrections'),
      table(
        [
          { label: 'When', value: (f) => fmt.time(f.created_at) },
          { label: 'User', value: (f) => f.user_id },
          { label: 'Rating', value: (f) => (f.rating ? `${f.rating} ★` : '—') },
          { label: 'Thumbs', value: (f) => f.thumbs || '—' },
          { label: 'Type', value: (f) => [f.feedback_type, f.aspect].filter(Boolean).join(', ') || '—' },
          { label: 'Text', value: (f) => f.text || '—' },
          { label: 'Score', value: (f) => (f.quality_score === null || f.quality_score === undefined ? '—' : fmt.number(f.quality_score, 2)), numeric: true },
        ],
        s.feedback || [],
        { empty: 'No feedback on this session.', caption: 'Feedback' },
      ),
      corrections(s.manual_corrections || []),
    ),
    h('section', { class: 'card stack', 'aria-label': 'Routing decision' },
      h('h2', {}, 'Routing decision'),
      h('p', {}, s.selected_by ? `${modelLabel(s.model_id)} was selected by ${s.selected_by}${s.confidence_score === null || s.confidence_score === undefined ? '' : ` with confidence ${fmt.number(s.confidence_score, 2)}`}.` : 'No routing decision was recorded for this session.'),
      table(
        [
          { label: 'Candidate', value: (c) => h('span', { 'data-candidate': c.model_id }, modelLabel(c.model_id)) },
          { label: 'Score', value: (c) => fmt.number(c.score, 3), numeric: true },
          { label: 'Expected cost', value: (c) => (c.expected_cost_usd === undefined ? '—' : fmt.money(c.expected_cost_usd)), numeric: true },
          { label: 'Reasons', value: (c) => (c.reasons && c.reasons.length ? h('ul', { class: 'reasons' }, c.reasons.map((r) => h('li', {}, String(r)))) : '—') },
        ],
        candidates,
        { empty: 'No candidates: the session was recorded by the client.', caption: 'Candidates in the order they were tried' },
      ),
      h('p', {}, h('a', { href: `#/models?tab=why&task=${encodeURIComponent(s.category_key)}` }, 'Ask the router now, with its reasons, for this task →')),
    ),
    h('section', { class: 'card stack', 'aria-label': 'Attempts' },
      h('h2', {}, 'Attempts'),
      table(
        [
          { label: '#', value: (a) => attempts.indexOf(a) + 1, numeric: true },
          { label: 'Model', value: (a) => modelLabel(a.model_id) },
          { label: 'Outcome', value: (a) => (a.ok ? 'ok' : `failed: ${a.error || 'error'}`) },
        ],
        attempts,
        { empty: 'No attempt recorded (the session was recorded by the client).', caption: 'Attempts in order' },
      ),
    ),
  );
}

export default {
  id: 'sessions',
  title: 'Sessions',
  async render(root, ctx) {
    const body = h('div', { class: 'stack' });
    root.append(body);
    await screenState(body, async () => {
      const [tasks, models, experiments] = await Promise.all([apiAll('/v1/tasks'), apiAll('/v1/models'), apiAll('/v1/experiments')]);
      if (ctx.params.id) return detailView(ctx, models);
      return [filters(ctx, { tasks, models, experiments }), ...(await listView(ctx, models))];
    });
  },
};
