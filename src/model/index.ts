export { resolveModelConfig, resolveFixturesDir, ModelConfigError, DEFAULT_MODEL, DEFAULT_TIMEOUT_MS } from './config.js';
export type { ModelConfig, ModelMode } from './config.js';
export { createModelClient, DEFAULT_BASE_URL } from './client.js';
export type { ModelClient } from './client.js';
export { callChat } from './chat.js';
export type { ChatOutcome, ChatRequestBody, CallChatOptions } from './chat.js';
export { classifyModelError, isFixtureMissing, parseRetryAfter } from './errors.js';
export type { ModelError, ModelErrorKind } from './errors.js';
export { createCassetteFetch, createMetaStrippingFetch, FIXTURE_MISSING } from './cassette-fetch.js';
export type { FetchLike, CassetteFetchOptions } from './cassette-fetch.js';
export {
  FIXTURE_META_HEADER,
  cassetteKey,
  canonicalJson,
  encodeFixtureMeta,
  loadCassettes,
  normaliseRequest,
  parseCassette,
} from './cassettes.js';
export type { Cassette, CassetteProblem, LoadedCassettes, NormalisedRequest } from './cassettes.js';
export { cassetteStoreFor, findClosest } from './cassette-store.js';
export type { ClosestMatch } from './cassette-store.js';
export { startScriptedServer } from './scripted-server.js';
export type {
  ChatCompletionRequestBody,
  ScriptFn,
  ScriptedReply,
  ScriptedRequest,
  ScriptedServer,
} from './scripted-server.js';
export { OUTPUT_MODES, isOutputMode, outputRequest, extractOutput, nextModeAfter } from './output-modes.js';
export type { OutputMode, OutputSpec, OutputRequest, ReplyParts } from './output-modes.js';
export { extractJson } from './extract.js';
export type { ExtractedOutput, OutputNormalisation } from './extract.js';
export { schemaInDialect, CONSERVATIVE_DROPPED } from './schema-dialect.js';
export type { SchemaDialect } from './schema-dialect.js';
export { PROVIDER_QUIRKS, providerScript, requestedSchema } from './scripted-providers.js';
export type { AnswerFn, ProviderQuirk } from './scripted-providers.js';
export { parseRateLimitHeaders, parseResetDuration, quotaPauseMs } from './rate-headers.js';
export type { RateLimitInfo } from './rate-headers.js';
