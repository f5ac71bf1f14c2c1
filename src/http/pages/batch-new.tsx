import { BatchRequestSchema, QUIZ_LIMITS } from '../../../schemas/batch-request.js';
import { SOURCE_LIMITS } from '../../sources/types.js';
import { Layout } from './layout.js';

/** A field's submitted text and its validation message, keyed by the request field name. */
export type FormValues = Record<string, string>;
export type FieldErrors = Record<string, string>;

/** The question types the request contract knows, when it knows any (a later schema adds `type`). */
function typeChoices(): string[] | null {
  const shape = BatchRequestSchema.shape as Record<string, unknown>;
  const field = shape['type'] as { unwrap?: () => { options?: unknown }; options?: unknown } | undefined;
  if (!field) return null;
  const options = field.options ?? field.unwrap?.().options;
  return Array.isArray(options) ? options.map(String) : null;
}

const UPLOAD_ACCEPT = '.pdf,.docx,.html,.htm,.md,.markdown,.txt,application/pdf,text/html,text/markdown,text/plain';
const UPLOAD_HINT = `PDF, DOCX, HTML, Markdown or plain text, up to ${Math.floor(SOURCE_LIMITS.maxFileBytes / (1024 * 1024))} MiB. Every question then quotes it as evidence.`;

const NUMBER_FIELDS = new Set(['count', 'options', 'maxAttempts']);

/**
 * A submitted form as the JSON API body would be: empty fields left out (so defaults apply) and
 * whole numbers as numbers; anything else stays text, for the schema to refuse by name.
 */
export function formToRequest(form: Record<string, unknown>): { values: FormValues; body: Record<string, unknown> } {
  const values: FormValues = {};
  const body: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(form)) {
    if (typeof raw !== 'string' || key === '_') continue;
    values[key] = raw;
    if (raw.trim() === '') continue;
    body[key] = NUMBER_FIELDS.has(key) && /^-?\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  }
  return { values, body };
}

function Field(props: { name: string; label: string; errors: FieldErrors; hint?: string; children: unknown }) {
  const error = props.errors[props.name];
  return (
    <div class={error ? 'field invalid' : 'field'} data-field={props.name}>
      <label for={props.name}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <p class="muted hint" id={`${props.name}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {error ? (
        <p class="error" id={`${props.name}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** `/batches/new`: the request form, posted to the pages and checked by the API's own schema. */
export function NewBatchPage(props: { values: FormValues; errors: FieldErrors; formError?: string; canLogOut: boolean; upload: boolean }) {
  const { values, errors } = props;
  const v = (name: string, fallback = '') => values[name] ?? fallback;
  const aria = (name: string, hint: boolean) => {
    const ids = [hint ? `${name}-hint` : '', errors[name] ? `${name}-error` : ''].filter(Boolean).join(' ');
    return { 'aria-describedby': ids === '' ? undefined : ids, 'aria-invalid': errors[name] ? 'true' : undefined };
  };
  const types = typeChoices();
  const difficulty = v('difficulty', 'medium');
  return (
    <Layout title="New quiz" nav="new" canLogOut={props.canLogOut}>
      <h1>Request a quiz</h1>
      {props.formError ? (
        <p class="error" role="alert" id="form-error">
          {props.formError}
        </p>
      ) : null}
      <form method="post" action="/batches/new" class="card request" enctype="multipart/form-data" novalidate>
        <Field
          name="topic"
          label="Topic"
          errors={errors}
          hint={props.upload ? 'What the questions are about (up to 200 characters); optional with a document, whose title it then replaces.' : 'What the questions are about (up to 200 characters).'}
        >
          <input id="topic" name="topic" type="text" required={!props.upload} maxlength={200} value={v('topic')} {...aria('topic', true)} />
        </Field>
        {props.upload ? (
          <Field name="file" label="Or a document to quiz on (optional)" errors={errors} hint={UPLOAD_HINT}>
            <input id="file" name="file" type="file" accept={UPLOAD_ACCEPT} {...aria('file', true)} />
          </Field>
        ) : null}
        <Field name="count" label="Number of questions" errors={errors} hint={`${QUIZ_LIMITS.minCount} to ${QUIZ_LIMITS.maxCount}.`}>
          <input id="count" name="count" type="number" required value={v('count', '5')} {...aria('count', true)} />
        </Field>
        {types ? (
          <Field name="type" label="Question type" errors={errors}>
            <select id="type" name="type" {...aria('type', false)}>
              {types.map((t) => (
                <option value={t} selected={v('type', types[0]) === t}>
                  {t.replace('_', '/')}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field name="difficulty" label="Difficulty" errors={errors}>
          <select id="difficulty" name="difficulty" {...aria('difficulty', false)}>
            {['easy', 'medium', 'hard'].map((d) => (
              <option value={d} selected={difficulty === d}>
                {d}
              </option>
            ))}
          </select>
        </Field>
        <Field name="options" label="Options per question" errors={errors} hint={`${QUIZ_LIMITS.minOptions} to ${QUIZ_LIMITS.maxOptions}.`}>
          <input id="options" name="options" type="number" value={v('options', String(QUIZ_LIMITS.defaultOptions))} {...aria('options', true)} />
        </Field>
        <Field name="language" label="Language" errors={errors} hint='A language tag such as "en" or "pt-BR".'>
          <input id="language" name="language" type="text" value={v('language', 'en')} {...aria('language', true)} />
        </Field>
        <Field name="audience" label="Audience (optional)" errors={errors}>
          <input id="audience" name="audience" type="text" maxlength={200} value={v('audience')} {...aria('audience', false)} />
        </Field>
        <button type="submit">Request quiz</button>
      </form>
    </Layout>
  );
}
