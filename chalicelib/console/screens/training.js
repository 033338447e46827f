// Training (issue 20 item 6): examples to review (approve, reject, edit the ideal output), datasets with their
// lineage and downloads, fine-tuning jobs with live progress (polled while one runs) and their metrics, retraining.
// Every read and write goes through /v1; example text is tenant data and reaches the page only as text nodes.

import {
  api,
  apiAll,
  asText,
  badge,
  can,
  confirmAction,
  downloadFile,
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

const JOB_TONE = { pending: 'warn', running: 'warn', succeeded: 'good', failed: 'bad', cancelled: null };
const POLL_MS = 2000;

function option(value, text, selected) {
  return h('option', { value, selected: selected || false }, text);
}

function textBlock(value, label) {
  return h('pre', { class: 'text-block', tabindex: '0', 'aria-label': label }, asText(value) || '—');
}

// ---- examples -------------------------------------------------------------------------------------------------

function exampleCard(example, ctx, reload) {
  const admin = can(ctx.role, 'admin');
  const patch = async (body, message) => {
    await api('PATCH', `/v1/training/examples/${encodeURIComponent(example.id)}`, { body });
    toast(message);
    await reload();
  };
  const state = example.validated ? badge('approved', 'good') : example.quality_source === 'override' && example.quality_score === 0 ? badge('rejected', 'bad') : badge('to review', 'warn');
  const editor = h('div', { class: 'example-editor', hidden: true });
  const buttons = admin
    ? h(
        'div',
        { class: 'actions' },
        h(
          'button',
          { type: 'button', class: 'primary', 'data-write': 'approve', disabled: example.validated, onclick: () => patch({ validated: true }, 'Example approved').catch((e) => toast(e.message, 'error')) },
          'Approve',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'data-write': 'reject',
            onclick: () => patch({ validated: false, quality_score: 0 }, 'Example rejected (quality 0)').catch((e) => toast(e.message, 'error')),
          },
          'Reject',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'ghost',
            'data-write': 'edit-output',
            'aria-expanded': 'false',
            onclick: (event) => {
              editor.hidden = !editor.hidden;
              event.currentTarget.setAttribute('aria-expanded', String(!editor.hidden));
              if (!editor.hidden) editor.querySelector('textarea').focus();
            },
          },
          'Edit ideal output',
        ),
      )
    : null;
  if (admin) {
    const area = h('textarea', { name: 'expected_output', rows: '5' });
    area.value = asText(example.expected_output);
    const form = formBox({
      title: null,
      submitLabel: 'Save ideal output',
      fields: [field('Ideal output', area, 'replaces what the AI answered as this example’s expected output')],
      onSubmit: async () => {
        let value = area.value;
        if (example.expected_output !== null && typeof example.expected_output === 'object') {
          try {
            value = JSON.parse(area.value);
          } catch {
            throw new Error('This output is JSON: give valid JSON');
          }
        }
        await patch({ expected_output: value }, 'Ideal output saved');
      },
    });
    form.dataset.write = 'save-output';
    editor.appendChild(form);
  }
  return h(
    'article',
    { class: 'card example', 'data-example': example.id, 'aria-label': `Example ${example.id}` },
    h(
      'header',
      { class: 'row' },
      state,
      h('span', {}, ` ${example.category_key}`),
      h('span', { class: null }, ` · user ${example.user_id} · ${fmt.time(example.created_at)}`),
    ),
    h('div', { class: 'grid' }, h('div', {}, h('h3', {}, 'Input'), textBlock(example.input, 'input')), h('div', {}, h('h3', {}, `Expected output (${example.expected_output_source || 'none'})`), textBlock(example.expected_output, 'expected output'))),
    h(
      'p',
      { class: null },
      `Quality ${fmt.number(example.quality_score, 2)} (${example.quality_source || 'none'}) · ${example.feedback_count} feedback, ${example.success_count} successes, ${example.regenerate_count} regenerations, ${example.corrections_count} corrections · model ${example.model_id || '—'}`,
    ),
    buttons,
    editor,
  );
}

const EXAMPLES_PAGE = 8;

async function examplesTab(ctx) {
  const filter = h('select', { name: 'validated' }, option('', 'All examples'), option('false', 'To review'), option('true', 'Approved'));
  const list = h('div', { class: 'examples stack', 'aria-live': 'polite' });
  const more = h('div', { class: 'actions' });
  let shown = EXAMPLES_PAGE;
  // One page of `shown` examples, newest first; "Show more" asks for a longer page (reviews keep the list in place).
  const reload = () =>
    screenState(list, async () => {
      const page = await api('GET', '/v1/training/examples', { query: { limit: shown, validated: filter.value } });
      more.replaceChildren(
        page.next_cursor
          ? h(
              'button',
              {
                type: 'button',
                class: 'ghost',
                onclick: () => {
                  shown += EXAMPLES_PAGE;
                  reload();
                },
              },
              'Show more examples',
            )
          : [],
      );
      if (!page.items.length) return null;
      return page.items.map((e) => exampleCard(e, ctx, reload));
    });
  filter.addEventListener('change', () => {
    shown = EXAMPLES_PAGE;
    reload();
  });
  await reload();
  return [h('div', { class: 'filters' }, field('Show', filter)), list, more];
}

// ---- datasets -------------------------------------------------------------------------------------------------

function datasetDetail(dataset, ctx) {
  const lineage = dataset.lineage || {};
  const downloads = can(ctx.role, 'admin')
    ? ['train', 'validation']
        .filter((split) => (dataset.files || {})[split])
        .map((split) =>
          h(
            'button',
            {
              type: 'button',
              class: 'ghost',
              'data-download': split,
              onclick: () =>
                downloadFile(`/v1/training/datasets/${encodeURIComponent(dataset.id)}/download`, { split }, `${dataset.id}-${split}.jsonl`)
                  .then(() => toast(`${split} split downloaded`))
                  .catch((e) => toast(e.message, 'error')),
            },
            `Download ${split} (${fmt.number(dataset.files[split].lines)} lines, JSONL)`,
          ),
        )
    : [h('p', { class: 'hint' }, 'Downloads need an admin key.')];
  return h(
    'div',
    { class: 'dataset-detail', 'data-dataset': dataset.id },
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Filters'),
      h('dd', {}, Object.entries(dataset.filters || {}).map(([k, v]) => `${k}=${asText(v)}`).join(', ') || '—'),
      h('dt', {}, 'Redacted'),
      h('dd', {}, Object.entries(dataset.redactions || {}).map(([k, v]) => `${k}: ${v}`).join(', ') || 'nothing'),
      h('dt', {}, 'Sessions'),
      h('dd', {}, `${fmt.number(lineage.session_ids_count || dataset.session_ids_count)} from ${fmt.number(dataset.users_count)} users`),
      h('dt', {}, 'Jobs trained on it'),
      h('dd', {}, lineage.jobs && lineage.jobs.length ? lineage.jobs.join(', ') : 'none yet'),
      h('dt', {}, 'Models it produced'),
      h('dd', {}, lineage.models && lineage.models.length ? lineage.models.join(', ') : 'none yet'),
    ),
    lineage.session_ids && lineage.session_ids.length
      ? h(
          'details',
          {},
          h('summary', {}, `First ${lineage.session_ids.length} sessions`),
          h('ul', { class: 'list-plain' }, lineage.session_ids.map((s) => h('li', {}, h('a', { href: `#/sessions?id=${encodeURIComponent(s)}` }, s)))),
        )
      : null,
    h('div', { class: 'actions' }, downloads),
  );
}

async function datasetsTab(panel, ctx) {
  const datasets = await apiAll('/v1/training/datasets');
  const holder = h('div', {});
  const show = (dataset) => holder.replaceChildren(h('h3', {}, `Dataset ${dataset.name || dataset.id}`), datasetDetail(dataset, ctx));
  const rows = table(
    [
      {
        label: 'Dataset',
        value: (d) => h('button', { type: 'button', class: 'link', 'data-open': d.id, onclick: () => show(d) }, d.name || d.id),
      },
      { label: 'Status', value: (d) => badge(d.status, d.status === 'ready' ? 'good' : d.status === 'failed' ? 'bad' : 'warn') },
      { label: 'Format', value: (d) => d.format },
      { label: 'Train', value: (d) => fmt.number(d.train_count), numeric: true },
      { label: 'Validation', value: (d) => fmt.number(d.validation_count), numeric: true },
      { label: 'Jobs', value: (d) => fmt.number(((d.lineage || {}).jobs || []).length), numeric: true },
      { label: 'Built', value: (d) => fmt.time(d.created_at) },
    ],
    datasets,
    { caption: 'Datasets, newest first', empty: 'No dataset yet.' },
  );
  const parts = [rows, holder];
  if (can(ctx.role, 'admin')) {
    const days = h('input', { type: 'number', name: 'days', min: '1', max: '3650', value: '30' });
    const minRating = h('input', { type: 'number', name: 'min_rating', min: '1', max: '5', step: '0.5', value: '4' });
    const split = h('input', { type: 'number', name: 'validation_split', min: '0', max: '0.5', step: '0.05', value: '0.1' });
    const format = h('select', { name: 'format' }, option('openai-chat-jsonl', 'chat (SFT)'), option('openai-preference-jsonl', 'preference pairs (DPO)'));
    const validatedOnly = h('input', { type: 'checkbox', name: 'validated_only' });
    const form = formBox({
      title: 'Build a dataset',
      submitLabel: 'Build dataset',
      fields: [
        field('Days', days),
        field('Least rating', minRating, '1-5: the examples rated at least this'),
        field('Validation share', split),
        field('Format', format),
        h('div', { class: 'check' }, validatedOnly, h('label', { for: (validatedOnly.id = uid('vo')) }, 'Approved examples only')),
      ],
      onSubmit: async () => {
        const made = await api('POST', '/v1/training/datasets', {
          body: { days: Number(days.value), min_rating: Number(minRating.value), validation_split: Number(split.value), format: format.value, validated_only: validatedOnly.checked },
          idempotencyKey: uid(`ds-${Date.now()}`),
        });
        toast(`Dataset ${made.id}: ${made.train_count} train, ${made.validation_count} validation`);
        await screenState(panel, () => datasetsTab(panel, ctx));
      },
    });
    form.dataset.write = 'build-dataset';
    parts.push(form);
  }
  return parts;
}

// ---- jobs -----------------------------------------------------------------------------------------------------

function progressOf(job) {
  const p = job.progress;
  const percent = p ? Number(p.percent || 0) : job.status === 'succeeded' ? 100 : 0;
  return h(
    'span',
    { class: 'progress-cell' },
    h('progress', { max: '100', value: String(percent), 'aria-label': `progress of ${job.id}` }),
    ` ${fmt.number(percent, 0)}%${p && p.stage ? ` ${p.stage}` : ''}`,
  );
}

function jobDetail(job, ctx, reload) {
  const metrics = Object.entries(job.metrics || {});
  const cancel =
    can(ctx.role, 'admin') && (job.status === 'pending' || job.status === 'running')
      ? h(
          'button',
          {
            type: 'button',
            class: 'danger',
            'data-write': 'cancel-job',
            onclick: async () => {
              if (!(await confirmAction(`Cancel fine-tuning job ${job.id}?`))) return;
              try {
                await api('POST', `/v1/training/jobs/${encodeURIComponent(job.id)}/cancel`);
                toast('Job cancelled');
                await reload();
              } catch (e) {
                toast(e.message, 'error');
              }
            },
          },
          'Cancel job',
        )
      : null;
  return h(
    'div',
    { class: 'job-detail', 'data-job': job.id, 'data-status': job.status },
    h('h3', {}, `Job ${job.id}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Status'),
      h('dd', {}, badge(job.status, JOB_TONE[job.status])),
      h('dt', {}, 'Base model'),
      h('dd', {}, job.base_model),
      h('dt', {}, 'New model'),
      h('dd', {}, job.model_id || job.fine_tuned_model || '—'),
      h('dt', {}, 'Dataset'),
      h('dd', {}, job.dataset_id),
      h('dt', {}, 'Cost'),
      h('dd', {}, job.cost_usd !== null && job.cost_usd !== undefined ? fmt.money(job.cost_usd) : `estimated ${fmt.money(job.estimated_cost_usd)}`),
      job.error ? [h('dt', {}, 'Error'), h('dd', {}, `${job.error.code}: ${job.error.message}`)] : null,
    ),
    progressOf(job),
    metrics.length
      ? table([{ label: 'Metric', value: ([k]) => k }, { label: 'Value', value: ([, v]) => (typeof v === 'number' ? fmt.number(v, 4) : asText(v)), numeric: true }], metrics, { caption: 'Metrics' })
      : h('p', { class: 'hint' }, 'Metrics appear when the job has finished.'),
    h(
      'details',
      { open: job.status === 'running' },
      h('summary', {}, `Events (${job.events_count})`),
      h('ol', { class: 'events' }, (job.events || []).map((e) => h('li', { class: `level-${e.level}` }, `${fmt.time(e.created_at)} [${e.source}] ${e.message}`))),
    ),
    cancel,
  );
}

async function jobsTab(ctx, poll) {
  let selected = null;
  const tableHolder = h('div', { 'data-jobs': '' });
  const detailHolder = h('div', { 'aria-live': 'polite' });
  // What is on the page, so that a poll that brings nothing new leaves the DOM (and the keyboard focus) alone.
  const drawn = { jobs: null, detail: null };
  const reload = async () => {
    const jobs = await apiAll('/v1/training/jobs');
    const jobsSeen = JSON.stringify(jobs);
    if (jobsSeen !== drawn.jobs) {
      drawn.jobs = jobsSeen;
      tableHolder.replaceChildren(jobsTable(jobs));
    }
    const chosen = jobs.find((j) => j.id === selected);
    const detail = chosen ? await api('GET', `/v1/training/jobs/${encodeURIComponent(chosen.id)}`) : null;
    const detailSeen = JSON.stringify(detail);
    if (detailSeen !== drawn.detail) {
      drawn.detail = detailSeen;
      detailHolder.replaceChildren(detail ? jobDetail(detail, ctx, reload) : []);
    }
    return schedule(jobs);
  };
  const jobsTable = (jobs) =>
      table(
        [
          { label: 'Job', value: (j) => h('button', { type: 'button', class: 'link', 'data-open': j.id, onclick: () => { selected = j.id; reload(); } }, j.id) },
          { label: 'Status', value: (j) => badge(j.status, JOB_TONE[j.status]) },
          { label: 'Progress', value: (j) => progressOf(j) },
          { label: 'Base model', value: (j) => j.base_model },
          { label: 'New model', value: (j) => j.model_id || '—' },
          { label: 'Started', value: (j) => fmt.time(j.created_at) },
        ],
        jobs,
        { caption: 'Fine-tuning jobs, newest first', empty: 'No fine-tuning job yet.' },
      );
  const schedule = (jobs) => {
    const live = jobs.some((j) => j.status === 'pending' || j.status === 'running');
    tableHolder.dataset.polling = live ? 'true' : 'false';
    clearTimeout(poll.timer);
    if (live) {
      // Poll while a job is pending or running, and only while this list is on the page.
      poll.timer = setTimeout(() => {
        if (tableHolder.isConnected) reload().catch((e) => toast(e.message, 'error'));
      }, POLL_MS);
    }
  };
  await reload();
  const parts = [tableHolder, detailHolder];
  if (can(ctx.role, 'admin')) parts.push(await jobForm(ctx, reload));
  return parts;
}

async function jobForm(ctx, reload) {
  const [datasets, models] = await Promise.all([apiAll('/v1/training/datasets'), apiAll('/v1/models', { active: true })]);
  const ready = datasets.filter((d) => d.status === 'ready');
  const dataset = h('select', { name: 'dataset_id' }, ready.map((d) => option(d.id, `${d.name || d.id} (${d.train_count} train)`)));
  const base = h('select', { name: 'base_model' }, models.map((m) => option(m.model_id || m.id, m.model_id || m.id, (m.model_id || m.id) === 'local:sage')));
  const suffix = h('input', { type: 'text', name: 'suffix', placeholder: 'optional, e.g. captions-v2' });
  const form = formBox({
    title: 'Start fine-tuning',
    submitLabel: 'Start job',
    fields: [field('Dataset', dataset), field('Base model', base, 'local models train offline; OpenAI models need the provider key'), field('Suffix', suffix)],
    onSubmit: async () => {
      if (!dataset.value) throw new Error('Build a dataset first');
      const body = { dataset_id: dataset.value, base_model: base.value };
      if (suffix.value.trim()) body.suffix = suffix.value.trim();
      const job = await api('POST', '/v1/training/jobs', { body, idempotencyKey: uid(`job-${Date.now()}`) });
      toast(`Job ${job.id} ${job.status}`);
      await reload();
    },
  });
  form.dataset.write = 'start-job';
  return form;
}

// ---- retrain --------------------------------------------------------------------------------------------------

function retrainResult(out) {
  const patterns = out.patterns || {};
  return h(
    'div',
    { class: 'retrain-result', 'data-retrain': out.dataset.id },
    h('h3', {}, 'Retraining started'),
    h('p', {}, `Dataset ${out.dataset.id}: ${out.dataset.train_count} train, ${out.dataset.validation_count} validation.`),
    h('p', {}, out.job ? `Job ${out.job.id} on ${out.job.base_model}: ${out.job.status}.` : `No job: ${out.job_skipped || 'not asked'}.`),
    patterns.insights && patterns.insights.length ? h('ul', {}, patterns.insights.map((i) => h('li', {}, i))) : null,
    out.new_variants && out.new_variants.length
      ? table(
          [
            { label: 'Experiment', value: (v) => h('a', { href: `#/experiments?id=${encodeURIComponent(v.experiment_id)}` }, v.experiment_id) },
            { label: 'New variant', value: (v) => v.variant_id },
            { label: 'Prompt', value: (v) => v.prompt },
            { label: 'Share', value: (v) => fmt.pct(v.traffic_share), numeric: true },
          ],
          out.new_variants,
          { caption: 'New prompt variants' },
        )
      : null,
  );
}

async function retrainTab(ctx) {
  const intro = h(
    'p',
    {},
    'Retraining builds a dataset from recent rated sessions, finds what high- and low-rated sessions differ in, ' +
      'starts a fine-tuning job and adds improved prompt variants to running experiments.',
  );
  if (!can(ctx.role, 'admin')) return [intro, h('p', { class: 'hint' }, 'Retraining needs an admin key.')];
  const models = await apiAll('/v1/models', { active: true });
  const days = h('input', { type: 'number', name: 'days', min: '1', max: '3650', value: '30' });
  const minRating = h('input', { type: 'number', name: 'min_rating', min: '1', max: '5', step: '0.5', value: '1' });
  const base = h('select', { name: 'base_model' }, option('', '(the default)'), models.map((m) => option(m.model_id || m.id, m.model_id || m.id)));
  const startJob = h('input', { type: 'checkbox', name: 'start_job', checked: true });
  const improve = h('input', { type: 'checkbox', name: 'improve_prompts', checked: true });
  const result = h('div', { 'aria-live': 'polite' });
  const form = formBox({
    title: 'Retrain',
    submitLabel: 'Retrain now',
    fields: [
      field('Days', days),
      field('Least rating', minRating),
      field('Base model', base),
      h('div', { class: 'check' }, startJob, h('label', { for: (startJob.id = uid('sj')) }, 'Start a fine-tuning job')),
      h('div', { class: 'check' }, improve, h('label', { for: (improve.id = uid('ip')) }, 'Add improved prompt variants')),
    ],
    onSubmit: async () => {
      const body = { days: Number(days.value), min_rating: Number(minRating.value), start_job: startJob.checked, improve_prompts: improve.checked };
      if (base.value) body.base_model = base.value;
      const out = await api('POST', '/v1/retrain', { body, idempotencyKey: uid(`retrain-${Date.now()}`) });
      toast('Retraining started');
      result.replaceChildren(retrainResult(out));
    },
  });
  form.dataset.write = 'retrain';
  return [intro, form, result];
}

export default {
  id: 'training',
  title: 'Training',
  async render(root, ctx) {
    const poll = { timer: null };
    const items = [
      { id: 'examples', label: 'Examples', render: (panel) => screenState(panel, () => examplesTab(ctx)) },
      { id: 'datasets', label: 'Datasets', render: (panel) => screenState(panel, () => datasetsTab(panel, ctx)) },
      { id: 'jobs', label: 'Fine-tuning jobs', render: (panel) => screenState(panel, () => jobsTab(ctx, poll)) },
      { id: 'retrain', label: 'Retrain', render: (panel) => screenState(panel, () => retrainTab(ctx)) },
    ];
    root.replaceChildren(tabs(items, ctx.params && ctx.params.tab));
    return () => clearTimeout(poll.timer);
  },
};
