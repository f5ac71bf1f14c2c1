import type { DlqReviewView, ReviewQuestionView } from '../../quiz/views.js';

/** Issues by the form field they belong to (`q1.question`, `q1.options`, `q1.key`, `q1.explanation`, or `form`). */
export type ReviewIssues = Map<string, string[]>;

const FIELD_OF: Record<string, string> = { question: 'question', options: 'options', correctAnswer: 'key', explanation: 'explanation' };

/** Sorts validator issues (`questions[1].options[2]`) onto the form's fields. */
export function issuesByField(issues: ReadonlyArray<{ path: string; code?: string; message: string }>): ReviewIssues {
  const out: ReviewIssues = new Map();
  for (const issue of issues) {
    const m = /^questions\[(\d+)\](?:\.(\w+))?/.exec(issue.path);
    const field = m ? `q${m[1]}.${FIELD_OF[m[2] ?? ''] ?? 'question'}` : 'form';
    const text = issue.code ? `${issue.code}: ${issue.message}` : issue.message;
    out.set(field, [...(out.get(field) ?? []), text]);
  }
  return out;
}

/** The failing positions' fields from a posted form, in position order: the accept body's questions. */
export function questionsFromForm(review: DlqReviewView, form: Record<string, unknown>): ReviewQuestionView[] {
  const str = (name: string) => {
    const v = form[name];
    return typeof v === 'string' ? v : '';
  };
  return review.questions
    .filter((q) => !q.valid)
    .map((q) => {
      const key = str(`q${q.position}.key`);
      return {
        position: q.position,
        valid: false,
        question: str(`q${q.position}.question`),
        options: q.options.map((_, j) => str(`q${q.position}.option${j}`)),
        correctAnswer: /^\d{1,3}$/.test(key) ? Number(key) : null,
        explanation: str(`q${q.position}.explanation`),
      };
    });
}

function Issues(props: { issues: ReviewIssues; field: string }) {
  const list = props.issues.get(props.field);
  if (!list || list.length === 0) return null;
  return (
    <ul class="error field-issues" id={`${props.field}-issues`} data-issues-for={props.field}>
      {list.map((t) => (
        <li>{t}</li>
      ))}
    </ul>
  );
}

function described(issues: ReviewIssues, field: string): { 'aria-describedby'?: string; 'aria-invalid'?: 'true' } {
  return issues.has(field) ? { 'aria-describedby': `${field}-issues`, 'aria-invalid': 'true' } : {};
}

function ReadOnlyQuestion({ q }: { q: ReviewQuestionView }) {
  return (
    <fieldset class="review-question valid" data-position={String(q.position)} disabled>
      <legend>{`Question ${q.position + 1} (valid, kept as is)`}</legend>
      <p class="stem">{q.question}</p>
      <ol class="options">
        {q.options.map((o, j) => (
          <li class={j === q.correctAnswer ? 'key' : undefined}>{j === q.correctAnswer ? `${o} (key)` : o}</li>
        ))}
      </ol>
      <p class="muted">{q.explanation}</p>
    </fieldset>
  );
}

function EditableQuestion({ q, issues }: { q: ReviewQuestionView; issues: ReviewIssues }) {
  const p = `q${q.position}`;
  return (
    <fieldset class="review-question failing" data-position={String(q.position)}>
      <legend>{`Question ${q.position + 1} (to fix)`}</legend>
      <div class={issues.has(`${p}.question`) ? 'field invalid' : 'field'}>
        <label for={`${p}.question`}>Stem</label>
        <textarea id={`${p}.question`} name={`${p}.question`} rows={2} {...described(issues, `${p}.question`)}>
          {q.question}
        </textarea>
        <Issues issues={issues} field={`${p}.question`} />
      </div>
      <fieldset class={issues.has(`${p}.options`) || issues.has(`${p}.key`) ? 'field invalid' : 'field'}>
        <legend>Options (choose the key)</legend>
        {q.options.map((o, j) => (
          <div class="option">
            <input
              type="radio"
              id={`${p}.key${j}`}
              name={`${p}.key`}
              value={String(j)}
              checked={q.correctAnswer === j}
              aria-label={`Option ${j + 1} is the key`}
            />
            <label for={`${p}.option${j}`}>{`Option ${j + 1}`}</label>
            <input type="text" id={`${p}.option${j}`} name={`${p}.option${j}`} value={o} {...described(issues, `${p}.options`)} />
          </div>
        ))}
        <Issues issues={issues} field={`${p}.options`} />
        <Issues issues={issues} field={`${p}.key`} />
      </fieldset>
      <div class={issues.has(`${p}.explanation`) ? 'field invalid' : 'field'}>
        <label for={`${p}.explanation`}>Explanation</label>
        <textarea id={`${p}.explanation`} name={`${p}.explanation`} rows={2} {...described(issues, `${p}.explanation`)}>
          {q.explanation}
        </textarea>
        <Issues issues={issues} field={`${p}.explanation`} />
      </div>
    </fieldset>
  );
}

/**
 * The reviewer's form on a dead chunk's page: failing questions editable, valid ones read-only,
 * issues beside the fields they concern. Values are JSX attributes and text only (escaped).
 */
export function AcceptForm(props: { jobId: number; review: DlqReviewView; issues: ReviewIssues; edited?: ReviewQuestionView[] }) {
  const edited = new Map((props.edited ?? []).map((q) => [q.position, q]));
  return (
    <section class="card review" id="review">
      <h2>Fix and accept</h2>
      <p class="muted">The edited questions go through the same validator as a model answer; the valid ones are kept.</p>
      <form method="post" action={`/dlq/${props.jobId}/accept`} id="accept-form">
        <Issues issues={props.issues} field="form" />
        {props.review.questions.map((q) =>
          q.valid ? <ReadOnlyQuestion q={q} /> : <EditableQuestion q={edited.get(q.position) ?? q} issues={props.issues} />,
        )}
        <button type="submit" id="accept">
          Accept
        </button>
      </form>
    </section>
  );
}
