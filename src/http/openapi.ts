import { z } from 'zod';
import {
  AcceptBodySchema,
  BatchListSchema,
  BatchRequestSchema,
  BatchViewSchema,
  DlqActionResultSchema,
  DlqEntrySchema,
  DlqListSchema,
  ErrorEnvelopeSchema,
  EventsQuerySchema,
  HealthSchema,
  IdempotencyKeySchema,
  ListQuerySchema,
  ReadinessSchema,
  ReplayBodySchema,
  TenantUsageSchema,
  SSE_EVENT_NAMES,
  SseEventDataSchema,
  SourceListQuerySchema,
  SourceListSchema,
  SourceTextBodySchema,
  SourceUploadBodySchema,
  SourceViewSchema,
} from '../../schemas/api.js';
import { EXPORT_FORMATS, ExportQuerySchema } from '../../schemas/export.js';
import { QuestionQualitySchema } from '../../schemas/question.js';
import { SESSION_COOKIE } from './auth.js';

type Json = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Converts with zod's own `z.toJSONSchema` (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
 * Named sub-schemas land in `$defs`; they are hoisted into components so every `$ref` resolves
 * against the document root.
 */
function convert(schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json;
  delete out.$schema;
  const defs = out.$defs as Json | undefined;
  delete out.$defs;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const copy: Json = {};
    for (const [k, v] of Object.entries(node)) {
      copy[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : rewrite(v);
    }
    return copy;
  };
  if (defs) for (const [name, def] of Object.entries(defs)) components[name] ??= rewrite(def);
  return rewrite(out) as Json;
}

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Malformed request (e.g. a body that is not JSON).',
  '401': 'Missing or invalid API key (`WWW-Authenticate: Bearer`).',
  '402': "`budget_exhausted`: the caller's tenant has spent (or holds reserved) its budget for the current day or month.",
  '403': 'The key lacks the needed scope.',
  '404': "Unknown id or route; another tenant's id answers exactly the same.",
  '409': 'Conflict (idempotency key reused with another body; DLQ entry no longer dead).',
  '413': 'Request body larger than the limit.',
  '415': 'Unsupported document type (send PDF, DOCX, HTML, Markdown or plain text).',
  '422': 'Well-formed input that violates the schema; `issues` name each field. For documents: `unreadable_document` names why (scanned, encrypted, corrupt).',
  '429': "The tenant's rate limit (requests per minute; `POST /v1/batches` also has its own) is spent: `rate_limited`; retry after `Retry-After` seconds.",
  '503': 'A dependency is unavailable; retry later.',
};

function errors(...codes: string[]): Json {
  const out: Json = {};
  for (const code of codes) {
    out[code] = { description: ERROR_STATUSES[code], content: { 'application/json': { schema: ref('Error') } } };
  }
  return out;
}

const jsonBody = (name: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});

const int = { schema: { type: 'integer' } };
/** Sent on every `/v1` answer while a rate limit applies to the tenant (the tightest bucket's figures). */
const RATE_HEADERS: Json = {
  'RateLimit-Limit': { ...int, description: 'Requests allowed per minute.' },
  'RateLimit-Remaining': { ...int, description: 'Requests left in this window.' },
  'RateLimit-Reset': { ...int, description: 'Seconds until the window ends.' },
};

/** Every `/v1` operation may answer 429 (per-tenant rate limits), with `Retry-After` and the RateLimit headers. */
function withRateLimits(paths: Record<string, Record<string, Json>>): Record<string, Record<string, Json>> {
  for (const [path, ops] of Object.entries(paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const op of Object.values(ops)) {
      const responses = op.responses as Json;
      responses['429'] = {
        description: ERROR_STATUSES['429'],
        headers: { 'Retry-After': { ...int, description: 'Seconds to wait.' }, ...RATE_HEADERS },
        content: { 'application/json': { schema: ref('Error') } },
      };
    }
  }
  return paths;
}

/** The OpenAPI 3.1 description of the API, generated from the contracts in `schemas/api.ts`. */
export function buildOpenApiDocument(): Json {
  const schemas: Json = {};
  const add = (name: string, schema: z.ZodType, io: 'input' | 'output') => {
    schemas[name] = convert(schema, io, schemas);
  };
  add('Error', ErrorEnvelopeSchema, 'output');
  add('BatchRequest', BatchRequestSchema, 'input');
  add('Batch', BatchViewSchema, 'output');
  add('QuestionQuality', QuestionQualitySchema, 'output');
  add('BatchList', BatchListSchema, 'output');
  add('DlqList', DlqListSchema, 'output');
  add('DlqEntry', DlqEntrySchema, 'output');
  add('ReplayRequest', ReplayBodySchema, 'input');
  add('AcceptRequest', AcceptBodySchema, 'input');
  add('DlqActionResult', DlqActionResultSchema, 'output');
  add('TenantUsage', TenantUsageSchema, 'output');
  add('Health', HealthSchema, 'output');
  add('Readiness', ReadinessSchema, 'output');
  add('StreamEvent', SseEventDataSchema, 'output');
  add('SourceText', SourceTextBodySchema, 'input');
  add('SourceUpload', SourceUploadBodySchema, 'input');
  add('Source', SourceViewSchema, 'output');
  add('SourceList', SourceListSchema, 'output');

  const param = (name: string, where: 'query' | 'path' | 'header', schema: z.ZodType, required: boolean, description?: string) => ({
    name,
    in: where,
    required,
    ...(description ? { description } : {}),
    schema: convert(schema, 'input', schemas),
  });
  const listParams = [
    param('cursor', 'query', ListQuerySchema.shape.cursor, false, 'The `nextCursor` of the previous page.'),
    param('limit', 'query', ListQuerySchema.shape.limit, false),
  ];
  const batchId = param('id', 'path', z.string().regex(/^[A-Za-z0-9_-]{1,100}$/), true);
  const jobId = param('id', 'path', z.string().regex(/^[1-9][0-9]{0,15}$/), true, 'The dead job id.');
  const resume = [
    param('Last-Event-ID', 'header', z.string().regex(/^[0-9]{1,15}$/), false, 'Resume after this event id.'),
    param('lastEventId', 'query', EventsQuerySchema.shape.lastEventId, false),
  ];
  const stream = {
    description: `Server-Sent Events: \`id\` is the journal id, \`event\` one of ${SSE_EVENT_NAMES.join(', ')} (or newer), \`data\` a StreamEvent; \`: keep-alive\` comments every 15 s.`,
    content: { 'text/event-stream': { schema: ref('StreamEvent') } },
  };
  const open: Json[] = [];

  return {
    openapi: '3.1.0',
    info: {
      title: 'quizforge',
      version: '1',
      description:
        "Quiz batches written by a language model, validated, run on a durable job engine. Errors share one envelope; schema violations are 422. Every API key belongs to a tenant: batches, sources, jobs, DLQ entries, events and idempotency keys are the tenant's, and another tenant's ids answer 404 as unknown ones (admin keys of the `default` tenant see every tenant). Per-tenant rate limits answer 429.",
    },
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    paths: withRateLimits({
      '/v1/batches': {
        post: {
          summary: 'Request a quiz batch',
          parameters: [param('Idempotency-Key', 'header', IdempotencyKeySchema, false, "Same key + same body returns the same batch; keys are the tenant's own.")],
          requestBody: { required: true, content: { 'application/json': { schema: ref('BatchRequest') } } },
          responses: {
            '202': { ...jsonBody('Batch', 'Accepted; `Location` names the batch.'), headers: { Location: { schema: { type: 'string' } } } },
            '200': jsonBody('Batch', 'Idempotent repeat: the existing batch, nothing created.'),
            ...errors('400', '401', '402', '409', '413', '422'),
          },
        },
        get: {
          summary: 'Recent batches, newest first',
          parameters: listParams,
          responses: { '200': jsonBody('BatchList', 'A page of batches.'), ...errors('401', '422') },
        },
      },
      '/v1/usage': {
        get: {
          summary: "The caller's tenant: tokens, cost, budget, spent and reserved in the current budget period",
          description:
            'Every model call (generation, repair, verification) reserves its worst case (prompt estimate + `max_completion_tokens`, priced) before it is sent and settles its real usage after; `reservedUsd` is what calls in flight hold.',
          responses: { '200': jsonBody('TenantUsage', 'The current period.'), ...errors('401') },
        },
      },
      '/v1/batches/{id}': {
        get: {
          summary: 'One batch (ETag; If-None-Match → 304)',
          parameters: [batchId],
          responses: { '200': jsonBody('Batch', 'The batch.'), '304': { description: 'Unchanged since the ETag sent in If-None-Match.' }, ...errors('401', '404') },
        },
        delete: {
          summary: 'Delete a batch and everything derived from it (jobs, events, model calls, questions)',
          description: 'One transaction; sources stay. `409` while a job is waiting, ready or running: cancel the batch first.',
          parameters: [batchId],
          responses: { '204': { description: 'Deleted.' }, ...errors('401', '404', '409') },
        },
      },
      '/v1/batches/{id}/cancel': {
        post: {
          summary: 'Cancel a batch: unfinished jobs cancelled, running ones aborted; idempotent',
          parameters: [batchId],
          responses: { '200': jsonBody('Batch', 'The cancelled batch (the same on a repeat).'), ...errors('401', '404', '409') },
        },
      },
      '/v1/batches/{id}/events': {
        get: { summary: "A batch's event stream", parameters: [batchId, ...resume], responses: { '200': stream, ...errors('401', '404', '422', '503') } },
      },
      '/v1/batches/{id}/export': {
        get: {
          summary: 'A succeeded batch as a file for an LMS',
          description:
            'GIFT and Moodle XML for Moodle, an IMS QTI 2.1 content package (zip) for Canvas and other LMSs, CSV (RFC 4180), Aiken (single-answer only), Markdown, JSON. `Content-Disposition: attachment` names the file from the topic.',
          parameters: [batchId, param('format', 'query', ExportQuerySchema.shape.format, true, `One of ${EXPORT_FORMATS.join(', ')}.`)],
          responses: {
            '200': {
              description: 'The export, as an attachment.',
              headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename="<topic>.<ext>"' } },
              content: {
                'text/plain': { schema: { type: 'string' }, description: 'gift, aiken' },
                'application/xml': { schema: { type: 'string' }, description: 'moodle-xml' },
                'application/zip': { schema: { type: 'string', contentEncoding: 'binary' }, description: 'qti21' },
                'text/csv': { schema: { type: 'string' } },
                'text/markdown': { schema: { type: 'string' } },
                'application/json': { schema: { type: 'object' } },
              },
            },
            ...errors('401', '404'),
            '409': { description: 'The batch has not succeeded; the message names its status.', content: { 'application/json': { schema: ref('Error') } } },
            '422': {
              description: 'Unknown or missing format (the issue lists the formats), or a format that cannot hold the batch’s question types (aiken: names them).',
              content: { 'application/json': { schema: ref('Error') } },
            },
          },
        },
      },
      '/v1/events': {
        get: { summary: "Every event of the caller's tenant (all tenants for an admin key of `default`)", parameters: resume, responses: { '200': stream, ...errors('401', '422', '503') } },
      },
      '/v1/sources': {
        post: {
          summary: 'Store a document to quiz on (once per content hash)',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('SourceText') },
              'multipart/form-data': { schema: ref('SourceUpload'), encoding: { file: { contentType: 'application/pdf, application/vnd.openxmlformats-officedocument.wordprocessingml.document, text/html, text/markdown, text/plain' } } },
            },
          },
          responses: {
            '201': { ...jsonBody('Source', 'Stored; `Location` names the source.'), headers: { Location: { schema: { type: 'string' } } } },
            '200': jsonBody('Source', 'The same content was stored before: that source.'),
            ...errors('400', '401', '413', '415', '422'),
          },
        },
        get: {
          summary: 'Recent sources, newest first',
          parameters: [param('limit', 'query', SourceListQuerySchema.shape.limit, false)],
          responses: { '200': jsonBody('SourceList', 'Sources.'), ...errors('401', '422') },
        },
      },
      '/v1/sources/{id}': {
        get: { summary: 'One source', parameters: [batchId], responses: { '200': jsonBody('Source', 'The source.'), ...errors('401', '404') } },
      },
      '/v1/dlq': {
        get: { summary: 'Dead jobs, newest first', parameters: listParams, responses: { '200': jsonBody('DlqList', 'A page of DLQ entries.'), ...errors('401', '422') } },
      },
      '/v1/dlq/{id}': {
        get: { summary: 'A DLQ entry with its transcript', parameters: [jobId], responses: { '200': jsonBody('DlqEntry', 'The entry.'), ...errors('401', '404') } },
      },
      '/v1/dlq/{id}/replay': {
        post: {
          summary: 'Replay a dead job (admin)',
          parameters: [jobId],
          requestBody: { required: false, content: { 'application/json': { schema: ref('ReplayRequest') } } },
          responses: { '202': jsonBody('DlqActionResult', 'Replayed.'), ...errors('400', '401', '403', '404', '409', '413', '422') },
        },
      },
      '/v1/dlq/{id}/accept': {
        post: {
          summary: 'Fix and accept a dead chunk (admin)',
          description:
            "The reviewer's questions for the chunk's failing positions, in order, merged with its valid ones and checked by the same validator as a repair answer. On success the chunk succeeds (a `human` call records who accepted), its questions show `verified: \"human\"`, and the batch resumes.",
          parameters: [jobId],
          requestBody: { required: true, content: { 'application/json': { schema: ref('AcceptRequest') } } },
          responses: {
            '200': jsonBody('DlqActionResult', 'Accepted: the chunk succeeded.'),
            ...errors('400', '401', '403', '404', '413'),
            '409': { description: 'The job is no longer dead, or is not a quiz chunk.', content: { 'application/json': { schema: ref('Error') } } },
            '422': { description: 'The body is not `{ questions }`, or the questions do not validate (the issues say where; nothing changed).', content: { 'application/json': { schema: ref('Error') } } },
          },
        },
      },
      '/v1/dlq/{id}/discard': {
        post: { summary: 'Discard a dead job (admin)', parameters: [jobId], responses: { '200': jsonBody('DlqActionResult', 'Discarded.'), ...errors('401', '403', '404', '409') } },
      },
      '/healthz': { get: { summary: 'Process is up', security: open, responses: { '200': jsonBody('Health', 'Up.') } } },
      '/readyz': {
        get: {
          summary: 'Database reachable and migrations applied',
          security: open,
          responses: { '200': jsonBody('Readiness', 'Ready.'), '503': jsonBody('Readiness', 'Not ready.') },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors('401') } },
      },
      '/openapi.json': { get: { summary: 'This document', security: open, responses: { '200': { description: 'OpenAPI 3.1.' } } } },
    }),
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'A managed key (`quizforge keys create`, `qf_…`) or one from QUIZFORGE_API_KEYS / QUIZFORGE_ADMIN_KEYS (`tenant:key` entries name the tenant).',
        },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by the pages’ login form.' },
      },
    },
  };
}
