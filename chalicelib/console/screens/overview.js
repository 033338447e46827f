// Overview: the loop's health for a period: sessions, feedback rate, the quality trend, spend against the monthly
// budget, targets and recent events (alerts API), running experiments. Reads only.
import { api, apiAll, empty, field, fmt, h, lineChart, screenState, table } from '../lib.js';

const PERIODS = [7, 30, 90];

function kpi(label, value, note, name) {
  return h('div', { class: 'kpi', 'data-kpi': name }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value), note ? h('div', { class: 'note' }, note) : null);
}

function card(title, ...children) {
  return h('section', { class: 'card stack', 'aria-label': title }, h('h2', {}, title), ...children);
}

function monthStart() {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

function spendCard(limits, month) {
  const spent = month.total_cost_usd || 0;
  const budget = limits.monthly_budget_usd;
  if (budget === null || budget === undefined) {
    return card('Spend this month', h('p', { 'data-spend': String(spent) }, `${fmt.money(spent)} spent; no monthly budget is set.`));
  }
  const share = budget > 0 ? spent / budget : 0;
  return card(
    'Spend this month',
    h('p', { 'data-spend': String(spent), 'data-budget': String(budget) }, `${fmt.money(spent)} of ${fmt.money(budget)} (${fmt.pct(share)}); at the budget: ${limits.on_budget}.`),
    h('meter', { class: 'meter', min: '0', max: String(budget), value: String(Math.min(spent, budget)), high: String(budget * 0.8), optimum: '0', 'aria-label': 'Spend against the monthly budget' }),
  );
}

function targetsCard(targets) {
  const active = targets.filter((t) => t.enabled);
  return card(
    'Targets',
    table(
      [
        { label: 'Target', value: (t) => t.name },
        { label: 'Figure', value: (t) => `${t.metric} ${t.direction === 'above' ? '≥' : '≤'} ${fmt.number(t.threshold, 2)}` },
        { label: 'Now', value: (t) => (t.value === null || t.value === undefined ? '—' : fmt.number(t.value, 3)), numeric: true },
        { label: 'State', value: (t) => h('span', { class: 'badge', 'data-status': t.state === 'met' ? 'pass' : t.state === 'missed' ? 'fail' : 'warning' }, t.state || 'not evaluated') },
      ],
      active,
      { empty: 'No target is enabled. Targets are set with POST /v1/targets.', caption: 'Enabled targets' },
    ),
  );
}

function eventsCard(events) {
  return card(
    'Recent events',
    table(
      [
        { label: 'When', value: (e) => fmt.time(e.created_at) },
        { label: 'Event', value: (e) => h('code', {}, e.type) },
        { label: 'About', value: (e) => e.subject },
      ],
      events,
      { empty: 'No event yet: targets missed, drift, experiments reaching significance show up here.', caption: 'The latest events' },
    ),
  );
}

function experimentsCard(experiments) {
  return card(
    'Running experiments',
    table(
      [
        { label: 'Experiment', value: (x) => h('a', { href: `#/experiments?id=${encodeURIComponent(x.id)}` }, x.name) },
        { label: 'Task', value: (x) => x.category_key || '—' },
        { label: 'Metric', value: (x) => x.metric },
        { label: 'Variants', value: (x) => (x.variants || []).length, numeric: true },
        { label: 'Started', value: (x) => fmt.time(x.created_at) },
      ],
      experiments,
      { empty: 'No experiment is running.', caption: 'Running experiments' },
    ),
  );
}

export default {
  id: 'overview',
  title: 'Overview',
  async render(root, ctx) {
    const days = PERIODS.includes(Number(ctx.params.days)) ? Number(ctx.params.days) : 30;
    const select = h(
      'select',
      { id: 'overview-days', value: String(days), onchange: (e) => ctx.navigate(`#/overview?days=${e.target.value}`) },
      PERIODS.map((d) => h('option', { value: String(d) }, `Last ${d} days`)),
    );
    const body = h('div', { class: 'stack' });
    root.append(h('div', { class: 'filters' }, field('Period', select)), body);
    await screenState(body, async () => {
      const [summary, month, limits, targets, events, experiments] = await Promise.all([
        api('GET', '/v1/analytics/summary', { query: { days } }),
        api('GET', '/v1/analytics/summary', { query: { from: monthStart() } }),
        api('GET', '/v1/tenants/me/limits'),
        apiAll('/v1/targets'),
        api('GET', '/v1/events', { query: { limit: 10 } }),
        apiAll('/v1/experiments', { status: 'running' }),
      ]);
      const daily = summary.daily || [];
      const kpis = h(
        'div',
        { class: 'kpis', role: 'group', 'aria-label': 'Key figures' },
        kpi('Sessions', fmt.number(summary.total_sessions), `${fmt.number(summary.rated_sessions)} rated`, 'total_sessions'),
        kpi('Feedback rate', fmt.pct(summary.feedback_rate), 'sessions with feedback', 'feedback_rate'),
        kpi('Success rate', fmt.pct(summary.success_rate), '4+ stars or thumbs up', 'success_rate'),
        kpi('Average rating', fmt.number(summary.average_rating, 2), 'stars, 1-5', 'average_rating'),
        kpi('Cost', fmt.money(summary.total_cost_usd), `${fmt.number(summary.total_tokens)} tokens`, 'total_cost_usd'),
        kpi('p95 processing', fmt.ms(summary.processing_time_ms && summary.processing_time_ms.p95), 'per session', 'p95'),
      );
      if (!summary.total_sessions) {
        return [kpis, empty('No session in this period yet: record sessions or generations and they show up here.'), h('div', { class: 'grid' }, spendCard(limits, month), targetsCard(targets))];
      }
      const quality = lineChart({
        title: 'Quality trend',
        series: [
          { name: 'success rate', points: daily.filter((d) => d.rated_sessions).map((d) => ({ x: d.date, y: d.success_rate })) },
          { name: 'feedback rate', points: daily.filter((d) => d.sessions).map((d) => ({ x: d.date, y: d.rated_sessions / d.sessions })) },
        ],
        format: fmt.pct,
        yMin: 0,
        yMax: 1,
      });
      const volume = lineChart({
        title: 'Sessions per day',
        series: [
          { name: 'sessions', points: daily.map((d) => ({ x: d.date, y: d.sessions })) },
          { name: 'rated', points: daily.map((d) => ({ x: d.date, y: d.rated_sessions })) },
        ],
        format: (v) => fmt.number(v, 0),
      });
      return [
        kpis,
        h('div', { class: 'grid' }, card('Quality trend', quality), card('Sessions per day', volume), spendCard(limits, month), targetsCard(targets)),
        eventsCard(events.items || []),
        experimentsCard(experiments),
      ];
    });
  },
};
