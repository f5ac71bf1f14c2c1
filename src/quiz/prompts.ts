import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROMPT_NAMES = ['system', 'generate', 'repair'] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

/** A template as loaded: its content hash goes into every model-call record and fixture key. */
export interface PromptTemplate {
  name: PromptName;
  text: string;
  version: string;
}

export type Prompts = Record<PromptName, PromptTemplate>;

export type PromptVars = Record<string, string | number>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const DEFAULT_DIR = fileURLToPath(new URL('../../prompts/', import.meta.url));
const cache = new Map<string, Prompts>();

function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12);
}

/** Splits a template into literal text and placeholder names, refusing `{{` or `}}` that is no placeholder. */
function tokenize(text: string, name: string): Array<{ literal: string } | { placeholder: string }> {
  const tokens: Array<{ literal: string } | { placeholder: string }> = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    tokens.push({ literal: text.slice(last, match.index) });
    tokens.push({ placeholder: match[1] ?? '' });
    last = match.index + match[0].length;
  }
  tokens.push({ literal: text.slice(last) });
  for (const token of tokens) {
    if ('literal' in token && (token.literal.includes('{{') || token.literal.includes('}}'))) {
      throw new Error(`prompt ${name}: malformed placeholder near ${JSON.stringify(token.literal.slice(0, 40))}`);
    }
  }
  return tokens;
}

/** The placeholder names a template needs, in order of first use; callers and tests check their vars against it. */
export function placeholders(template: PromptTemplate | string): string[] {
  const text = typeof template === 'string' ? template : template.text;
  const names = tokenize(text, typeof template === 'string' ? 'template' : template.name).flatMap((t) => ('placeholder' in t ? [t.placeholder] : []));
  return [...new Set(names)];
}

/**
 * Reads the three templates once per directory. Line endings are normalised before hashing so a
 * checkout on another OS keeps the same versions, and malformed placeholders fail here, at startup.
 */
export function loadPrompts(dir: string = DEFAULT_DIR): Prompts {
  const cached = cache.get(dir);
  if (cached) return cached;
  const load = (name: PromptName): PromptTemplate => {
    const text = readFileSync(join(dir, `${name}.md`), 'utf8').replace(/\r\n?/g, '\n');
    placeholders({ name, text, version: '' });
    return { name, text, version: shortHash(text) };
  };
  const prompts: Prompts = { system: load('system'), generate: load('generate'), repair: load('repair') };
  cache.set(dir, prompts);
  return prompts;
}

/**
 * Fills `{{name}}` placeholders in one pass, so text inside a value (model output may contain
 * `{{x}}`) is never expanded again. Throws on any placeholder without a value: a typo must not ship.
 */
export function renderPrompt(template: PromptTemplate | string, vars: PromptVars): string {
  const name = typeof template === 'string' ? 'template' : template.name;
  const tokens = tokenize(typeof template === 'string' ? template : template.text, name);
  const missing = [...new Set(tokens.flatMap((t) => ('placeholder' in t && !Object.hasOwn(vars, t.placeholder) ? [t.placeholder] : [])))];
  if (missing.length > 0) throw new Error(`prompt ${name}: no value for ${missing.map((m) => `{{${m}}}`).join(', ')}`);
  return tokens.map((t) => ('literal' in t ? t.literal : String(vars[t.placeholder]))).join('');
}

/** One version for the whole prompt set, recorded with each model call. */
export function promptsVersion(prompts: Prompts): string {
  return shortHash(PROMPT_NAMES.map((name) => `${name}:${prompts[name].version}`).join('\n'));
}
