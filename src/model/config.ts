import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OUTPUT_MODES, type OutputMode } from './output-modes.js';

/** How the model client reaches a model: a real server, a real server while recording, or cassettes only. */
export type ModelMode = 'live' | 'record' | 'replay';

export type ModelConfig = {
  mode: ModelMode;
  /** OpenAI-compatible base URL including `/v1`; undefined means the SDK default (api.openai.com). */
  baseURL: string | undefined;
  apiKey: string;
  model: string;
  timeoutMs: number;
  fixturesDir: string;
  /** `QUIZFORGE_OUTPUT_MODE`: one mode for every model, or `auto` (the default) to discover it. */
  outputMode?: OutputMode | 'auto';
  /** `QUIZFORGE_OUTPUT_MODES=model=mode,…`: per-model overrides of `outputMode`. */
  outputModeOverrides?: Record<string, OutputMode>;
  /** `QUIZFORGE_MODEL_RPM` / `QUIZFORGE_MODEL_TPM`: shared per base URL + model; unset = only 429s slow callers. */
  requestsPerMinute?: number;
  tokensPerMinute?: number;
};

export const DEFAULT_MODEL = 'gpt-4o-mini';
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Sent as the API key when no real key is needed (replay, or a local server without auth). */
export const PLACEHOLDER_API_KEY = 'quizforge-no-key';

/** Thrown when the environment describes an impossible model setup; the message names the variable. */
export class ModelConfigError extends Error {
  override readonly name = 'ModelConfigError';
}

const optionalText = z.string().trim().min(1).optional();

const EnvSchema = z.object({
  QUIZFORGE_MODEL_MODE: z.enum(['live', 'record', 'replay']).optional(),
  OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  OPENAI_API_KEY: optionalText,
  QUIZFORGE_MODEL: optionalText,
  QUIZFORGE_MODEL_TIMEOUT_MS: z.coerce.number().int().positive().max(3_600_000).optional(),
  QUIZFORGE_FIXTURES_DIR: optionalText,
  QUIZFORGE_MODEL_RPM: z.coerce.number().int().positive().max(10_000_000).optional(),
  QUIZFORGE_MODEL_TPM: z.coerce.number().int().positive().max(10_000_000_000).optional(),
  QUIZFORGE_OUTPUT_MODE: z.enum([...OUTPUT_MODES, 'auto']).optional(),
  QUIZFORGE_OUTPUT_MODES: z
    .string()
    .transform((text, ctx) => parseOverrides(text, ctx))
    .optional(),
});

/** `model=mode` pairs separated by commas, split at the last `=`. */
function parseOverrides(text: string, ctx: z.RefinementCtx): Record<string, OutputMode> {
  const out: Record<string, OutputMode> = {};
  for (const pair of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const at = pair.lastIndexOf('=');
    const model = pair.slice(0, at).trim();
    const mode = pair.slice(at + 1).trim();
    if (at <= 0 || !(OUTPUT_MODES as readonly string[]).includes(mode)) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not model=mode with mode one of ${OUTPUT_MODES.join(', ')}` });
      continue;
    }
    out[model] = mode as OutputMode;
  }
  return out;
}

type Env = Record<string, string | undefined>;

/** Empty variables (common in .env files) mean "unset", not "invalid". */
function pickSet(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.shape)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') out[name] = value;
  }
  return out;
}

/** The repo's `fixtures/` directory, found from this module so it works from any cwd. */
export function resolveFixturesDir(env: Env = process.env): string {
  const fromEnv = env['QUIZFORGE_FIXTURES_DIR']?.trim();
  if (fromEnv) return fromEnv;
  return fileURLToPath(new URL('../../fixtures/', import.meta.url));
}

/** Reads the model setup from the environment once, failing loudly on a bad value instead of at first call. */
export function resolveModelConfig(env: Env = process.env): ModelConfig {
  const parsed = EnvSchema.safeParse(pickSet(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new ModelConfigError(`Invalid model configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const hasServer = e.OPENAI_API_KEY !== undefined || e.OPENAI_BASE_URL !== undefined;
  const mode: ModelMode = e.QUIZFORGE_MODEL_MODE ?? (hasServer ? 'live' : 'replay');
  if (mode !== 'replay' && !hasServer) {
    throw new ModelConfigError(
      `QUIZFORGE_MODEL_MODE=${mode} needs OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)`,
    );
  }
  return {
    mode,
    baseURL: e.OPENAI_BASE_URL,
    apiKey: mode === 'replay' ? PLACEHOLDER_API_KEY : (e.OPENAI_API_KEY ?? PLACEHOLDER_API_KEY),
    model: e.QUIZFORGE_MODEL ?? DEFAULT_MODEL,
    timeoutMs: e.QUIZFORGE_MODEL_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS,
    fixturesDir: resolveFixturesDir(env),
    outputMode: e.QUIZFORGE_OUTPUT_MODE ?? 'auto',
    outputModeOverrides: e.QUIZFORGE_OUTPUT_MODES ?? {},
    ...(e.QUIZFORGE_MODEL_RPM === undefined ? {} : { requestsPerMinute: e.QUIZFORGE_MODEL_RPM }),
    ...(e.QUIZFORGE_MODEL_TPM === undefined ? {} : { tokensPerMinute: e.QUIZFORGE_MODEL_TPM }),
  };
}
