import { z } from 'zod';
import { EXPORT_FORMATS } from '../../../schemas/export.js';
import { formatLabel } from '../../export/index.js';
import { Layout, formatTime } from './layout.js';
import { PageBudgetSchema, PageUsageSchema, budgetText, usageText } from './usage-text.js';

const QuestionViewSchema = z.looseObject({
  type: z.string().optional(),
  question: z.string(),
  options: z.array(z.string()),
  correctAnswer: z.int().optional(),
  correctAnswers: z.array(z.int()).optional(),
  explanation: z.string(),
  evidence: z.object({ quote: z.string(), sectionId: z.string(), page: z.int().optional() }).optional(),
  flags: z.array(z.union([z.string(), z.looseObject({ code: z.string().optional(), message: z.string().optional() })])).optional(),
  quality: z
    .looseObject({
      verified: z.union([z.boolean(), z.string(), z.null()]),
      flags: z.array(z.looseObject({ code: z.string().optional(), severity: z.string().optional(), message: z.string().optional() })),
    })
    .optional(),
});

const QualitySummarySchema = z.looseObject({ verified: z.int(), total: z.int(), flags: z.record(z.string(), z.int()) });

/** The batch view as this page reads it; the service's view has more, which is ignored. */
export const PageBatchSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  request: z.looseObject({ topic: z.string().optional(), count: z.int().optional(), difficulty: z.string().optional(), language: z.string().optional() }),
  questions: z.array(QuestionViewSchema).nullable(),
  jobs: z.array(z.looseObject({ id: z.int(), kind: z.string(), state: z.string(), attempts: z.int() })),
  quality: QualitySummarySchema.optional(),
  usage: PageUsageSchema.optional(),
  budget: PageBudgetSchema.nullable().optional(),
  createdAt: z.string(),
});
export type PageBatch = z.output<typeof PageBatchSchema>;
type PageQuestion = z.output<typeof QuestionViewSchema>;

/** Chunk jobs done / total: the same measure as the dashboard's progress bars. */
export function progressOf(batch: PageBatch): { done: number; total: number } {
  const chunks = batch.jobs.filter((j) => j.kind === 'chunk');
  return { done: chunks.filter((j) => j.state === 'succeeded').length, total: chunks.length };
}

const KIND_HINT: Record<string, string> = { multiple: 'Multiple answers', true_false: 'True or false' };

const VERIFIED_TEXT: Record<string, string> = {
  model: 'Key verified by an independent model',
  human: 'Key checked by a reviewer',
  unverified: 'Key not verified',
  off: 'Verification off',
};

/** The API's `verified` (true | false | "human" | null) as the page's word for it. */
function verifiedWord(v: boolean | string | null): string {
  if (v === true) return 'model';
  if (v === false) return 'unverified';
  return v ?? 'off';
}

function flagText(flag: string | { code?: string | undefined; message?: string | undefined }): string {
  return typeof flag === 'string' ? flag : [flag.code, flag.message].filter(Boolean).join(': ');
}

function Verified(props: { word: string }) {
  return (
    <p class={`verified verified-${props.word}`} data-verified={props.word}>
      {VERIFIED_TEXT[props.word] ?? props.word}
    </p>
  );
}

function Question(props: { q: PageQuestion; n: number }) {
  const { q, n } = props;
  const right = new Set(q.correctAnswers ?? (q.correctAnswer === undefined ? [] : [q.correctAnswer]));
  const flags = [...(q.flags ?? []), ...(q.quality?.flags ?? [])];
  return (
    <li class="card question" data-question={n}>
      <h3>{q.question}</h3>
      {q.type && KIND_HINT[q.type] ? <p class="muted">{KIND_HINT[q.type]}</p> : null}
      {q.quality ? <Verified word={verifiedWord(q.quality.verified)} /> : null}
      <ol class="options" type="A">
        {q.options.map((o, i) => (
          <li class={right.has(i) ? 'key' : undefined} data-key={right.has(i) ? 'true' : undefined}>
            {o}
            {right.has(i) ? <strong class="key-mark"> ✓ correct</strong> : null}
          </li>
        ))}
      </ol>
      <p class="explanation">
        <strong>Why: </strong>
        {q.explanation}
      </p>
      {q.evidence ? (
        <blockquote class="evidence">
          {`“${q.evidence.quote}”`}
          <footer class="muted">{`section ${q.evidence.sectionId}${q.evidence.page === undefined ? '' : `, page ${q.evidence.page}`}`}</footer>
        </blockquote>
      ) : null}
      {flags.length > 0 ? (
        <ul class="flags" aria-label="Quality flags">
          {flags.map((f) => (
            <li>{flagText(f)}</li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** `/batches/:id`: the quiz as a teacher reads it, live while it runs, with its exports. */
export function BatchPage(props: { batch: PageBatch; canLogOut: boolean; notice?: string | undefined }) {
  const { batch } = props;
  const { done, total } = progressOf(batch);
  const topic = batch.request.topic ?? 'Quiz';
  const running = batch.status === 'queued' || batch.status === 'running';
  const dead = batch.jobs.filter((j) => j.state === 'dead');
  const base = `/v1/batches/${encodeURIComponent(batch.id)}`;
  // Aiken holds single-answer questions only; its button would only lead to the API's 422.
  const singleOnly = (batch.questions ?? []).every((q) => q.type === undefined);
  const formats = EXPORT_FORMATS.filter((f) => f !== 'aiken' || singleOnly);
  return (
    <Layout title={topic} nav="dashboard" canLogOut={props.canLogOut} scripts={running ? ['batch.js'] : []}>
      <div data-batch={batch.id} data-status={batch.status} data-stream={`${base}/events`} data-view={base}>
        <h1>{topic}</h1>
        <p class="muted">
          {`Batch ${batch.id} · ${batch.request.count ?? '?'} questions · ${batch.request.difficulty ?? ''} · ${batch.request.language ?? ''} · created ${formatTime(batch.createdAt)}`}
        </p>
        <p id="batch-status" role="status" aria-live="polite">
          Status: <span class={`status-${batch.status}`} id="status-text">{batch.status}</span>{' '}
          <progress id="batch-progress" max={Math.max(1, total)} value={done} aria-label="Chunks done"></progress>{' '}
          <span id="progress-text">{`${done}/${total}`}</span>
        </p>
        {batch.usage ? (
          <p class="muted" id="batch-usage">
            {usageText(batch.usage)}
            {budgetText(batch.budget) === '' ? null : <span id="batch-budget">{` · ${budgetText(batch.budget)}`}</span>}
          </p>
        ) : null}
        {running ? (
          <form method="post" action={`/batches/${encodeURIComponent(batch.id)}/cancel`} class="actions">
            <button type="submit" id="cancel" class="danger">
              Cancel batch
            </button>
          </form>
        ) : null}
        {props.notice ? (
          <p class="notice" role="status" id="notice">
            {props.notice}
          </p>
        ) : null}
        {dead.length > 0 ? (
          <section class="card" aria-labelledby="dlq-heading">
            <h2 id="dlq-heading">Dead letters</h2>
            <p>Some of this batch's jobs gave up. Review them, then replay or discard:</p>
            <ul>
              {dead.map((j) => (
                <li>
                  <a href={`/dlq/${j.id}`}>{`Job ${j.id} (${j.kind}, ${j.attempts} attempts)`}</a>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        {batch.status === 'succeeded' && batch.questions ? (
          <>
            <section aria-labelledby="export-heading">
              <h2 id="export-heading">Export</h2>
              <ul class="exports">
                {formats.map((f) => (
                  <li>
                    <a class="button" href={`${base}/export?format=${f}`} download="" data-format={f}>
                      {formatLabel(f)}
                    </a>
                  </li>
                ))}
              </ul>
              {singleOnly ? null : <p class="muted">Aiken is not offered: it holds single-answer questions only.</p>}
            </section>
            <h2>Questions</h2>
            {batch.quality ? (
              <p class="muted" id="quality-summary">
                {`${batch.quality.verified} of ${batch.quality.total} keys verified${Object.keys(batch.quality.flags).length > 0 ? ` · flags: ${Object.entries(batch.quality.flags).map(([code, n]) => `${code} ×${n}`).join(', ')}` : ''}`}
              </p>
            ) : null}
            <ol class="questions">
              {batch.questions.map((q, i) => (
                <Question q={q} n={i + 1} />
              ))}
            </ol>
          </>
        ) : running ? (
          <p class="muted" id="waiting">
            The questions appear here when the batch succeeds.
          </p>
        ) : null}
      </div>
    </Layout>
  );
}
