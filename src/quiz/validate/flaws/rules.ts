import { normaliseText, quote } from '../text.js';
import type { Flaw, FlawCode, FlawSubject, Severity } from './types.js';
import { contentWords, isStopword, stem, tokens } from './words.js';

/** Each rule's severity: errors are near-certain and cheap to fix; warnings are cues a person may accept. */
export const FLAW_SEVERITY: Record<FlawCode, Severity> = {
  longest_key: 'warning',
  grammar_article_cue: 'error',
  grammar_number_cue: 'warning',
  negative_stem_unemphasised: 'error',
  absolute_in_distractors: 'warning',
  option_contained: 'warning',
  key_repeats_stem_word: 'warning',
  implausible_distractor: 'error',
};

export type Rule = (s: FlawSubject) => Flaw[];

function flaw(code: FlawCode, path: string, message: string): Flaw {
  return { path, code, severity: FLAW_SEVERITY[code], message };
}

const optionPath = (s: FlawSubject, j: number) => `${s.path}.options[${j}]`;

const stemPath = (s: FlawSubject) => `${s.path}.question`;

function distractors(s: FlawSubject): Array<{ text: string; index: number }> {
  return s.options.flatMap((text, index) => (index === s.key ? [] : [{ text, index }]));
}

/**
 * Key longer than the longest distractor by 20+ characters and twice its length: a name that is
 * merely longer ("The Merchant of Venice" among "Hamlet", "Othello") is not the cue; a key that
 * carries a qualified explanation among one-word distractors is.
 */
export const LONGEST_KEY = { minExtraChars: 20, minRatio: 2 } as const;

export const longestKey: Rule = (s) => {
  if (s.key === null) return [];
  const key = s.options[s.key] ?? '';
  const others = distractors(s).map((d) => d.text.length);
  if (others.length === 0) return [];
  const longest = Math.max(...others);
  const mean = others.reduce((a, b) => a + b, 0) / others.length;
  if (key.length - longest < LONGEST_KEY.minExtraChars || key.length < LONGEST_KEY.minRatio * longest) return [];
  return [
    flaw(
      'longest_key',
      optionPath(s, s.key),
      `the correct option is conspicuously the longest (${key.length} characters; the others average ${Math.round(mean)}), which cues the answer; shorten it or make the distractors equally specific`,
    ),
  ];
};

/** Words after which a blank or the options continue the stem. */
const TRAILING_BLANK = /[\s_.…:-]+$/u;
const SILENT_H = /^(?:hour|honest|honou?r|heir)/;
const YOU_SOUND = /^(?:uni|use|usu|ur[aeiou]|eu|one|once|ewe)/;

function takesAn(word: string): boolean {
  if (/^[aeiou]/.test(word)) return !YOU_SOUND.test(word);
  if (SILENT_H.test(word)) return true;
  return /^[aefhilmnorsx]$/.test(word);
}

function lastStemWord(stemText: string): string | null {
  const words = tokens(stemText.replace(TRAILING_BLANK, ''));
  return words.at(-1) ?? null;
}

export const grammarArticleCue: Rule = (s) => {
  if (s.key === null) return [];
  const article = lastStemWord(s.stem);
  if (article !== 'a' && article !== 'an') return [];
  const fits = (text: string) => {
    const first = tokens(text)[0];
    return first !== undefined && takesAn(first) === (article === 'an');
  };
  const others = distractors(s);
  if (others.length === 0 || !fits(s.options[s.key] ?? '') || others.some((d) => fits(d.text))) return [];
  return [
    flaw(
      'grammar_article_cue',
      stemPath(s),
      `the stem ends with the article "${article}", which only the correct option fits; move the article into the options (or use "a(n)") so every option reads grammatically`,
    ),
  ];
};

const PLURAL_CUES = new Set(['are', 'were', 'these', 'those', 'include']);
const SINGULAR_CUES = new Set(['is', 'was', 'this', 'that']);

function isPlural(text: string): boolean {
  const words = tokens(text);
  const last = words.at(-1);
  if (last === undefined || words.some((w) => w === 'and')) return words.length > 0;
  return last.length > 3 && /(?:[^su]s|ies|es)$/.test(last) && !/(?:ss|us|is|ics)$/.test(last);
}

export const grammarNumberCue: Rule = (s) => {
  if (s.key === null) return [];
  const last = lastStemWord(s.stem);
  if (last === null) return [];
  const wantsPlural = PLURAL_CUES.has(last) ? true : SINGULAR_CUES.has(last) ? false : null;
  if (wantsPlural === null) return [];
  const others = distractors(s);
  if (others.length === 0 || isPlural(s.options[s.key] ?? '') !== wantsPlural) return [];
  if (others.some((d) => isPlural(d.text) === wantsPlural)) return [];
  return [
    flaw(
      'grammar_number_cue',
      stemPath(s),
      `the stem ends with "${last}", which agrees in number only with the correct option; make every option ${wantsPlural ? 'plural' : 'singular'}, or rephrase the stem`,
    ),
  ];
};

const NEGATIVES = /(?<![\p{L}*_])(not|except|cannot|least)(?![\p{L}*_])/giu;

export const negativeStemUnemphasised: Rule = (s) => {
  const out: Flaw[] = [];
  for (const m of s.stem.matchAll(NEGATIVES)) {
    const word = m[1] ?? '';
    const before = s.stem.slice(0, m.index).toLowerCase();
    if (word.toLowerCase() === 'least' && /\bat\s+$/.test(before)) continue;
    if (word === word.toUpperCase()) continue;
    out.push(
      flaw(
        'negative_stem_unemphasised',
        stemPath(s),
        `the stem is negative ("${word}") but the negative is not emphasised; write it in capitals (${word.toUpperCase()}) or, better, phrase the question positively`,
      ),
    );
    break;
  }
  return out;
};

const ABSOLUTES = new Set(['always', 'never', 'all', 'none', 'every', 'only', 'completely', 'entirely', 'absolutely', 'invariably', 'must']);

function absolutesIn(text: string): string[] {
  return tokens(text).filter((w) => ABSOLUTES.has(w));
}

export const absoluteInDistractors: Rule = (s) => {
  if (s.key === null || absolutesIn(s.options[s.key] ?? '').length > 0) return [];
  const hit = distractors(s).find((d) => absolutesIn(d.text).length > 0);
  if (hit === undefined) return [];
  return [
    flaw(
      'absolute_in_distractors',
      optionPath(s, hit.index),
      `absolute words (${absolutesIn(hit.text).map((w) => `"${w}"`).join(', ')}) appear only in distractors, so a test-wise student rules them out; remove them or use them in the correct option too`,
    ),
  ];
};

function containsWords(outer: readonly string[], inner: readonly string[]): boolean {
  if (inner.length === 0 || inner.length >= outer.length) return false;
  for (let i = 0; i + inner.length <= outer.length; i += 1) {
    if (inner.every((w, k) => outer[i + k] === w)) return true;
  }
  return false;
}

export const optionContained: Rule = (s) => {
  const words = s.options.map((o) => tokens(o));
  for (let a = 0; a < words.length; a += 1) {
    const inner = words[a] ?? [];
    if (inner.every(isStopword)) continue;
    for (let b = 0; b < words.length; b += 1) {
      if (a === b || !containsWords(words[b] ?? [], inner)) continue;
      return [
        flaw(
          'option_contained',
          optionPath(s, b),
          `contains options[${a}] (${quote(s.options[a] ?? '')}) word for word, so the options overlap; make each option a distinct, mutually exclusive answer`,
        ),
      ];
    }
  }
  return [];
};

export const keyRepeatsStemWord: Rule = (s) => {
  if (s.key === null) return [];
  const stemWords = new Set(contentWords(s.stem).filter((w) => w.length >= 4));
  const distractorWords = new Set(distractors(s).flatMap((d) => contentWords(d.text)));
  const shared = [...new Set(contentWords(s.options[s.key] ?? ''))].filter((w) => stemWords.has(w) && !distractorWords.has(w));
  const word = shared[0];
  if (word === undefined) return [];
  return [
    flaw(
      'key_repeats_stem_word',
      optionPath(s, s.key),
      `the correct option repeats the stem word "${word}" and no distractor does, which cues the answer; reword the correct option or use the word in distractors too`,
    ),
  ];
};

const PLACEHOLDER = [
  /^(?:n\/?a|tbd|todo|tba|xxx+|\?+|-+|\.+|…|none|null|undefined|nil|blank|empty|placeholder|lorem ipsum.*)$/,
  /^(?:option|answer|choice|distractor|alternative)\s*(?:[a-f]|\d{1,2})?$/,
  /^(?:wrong|incorrect|false|bad|fake|dummy|random|other)(?: (?:answer|option|choice))?$/,
  /^(\p{L})\1{2,}$/u,
];

function isImplausible(text: string): boolean {
  const norm = normaliseText(text);
  if (!/[\p{L}\p{N}]/u.test(norm)) return true;
  return PLACEHOLDER.some((re) => re.test(norm));
}

/** A template shape: the words before a trailing number or letter ("option 1" → "option"). */
function templateShape(text: string): string | null {
  const words = tokens(text);
  const last = words.at(-1) ?? '';
  if (words.length < 2 || !/^(?:\d{1,2}|[a-f])$/.test(last)) return null;
  return words.slice(0, -1).map(stem).join(' ');
}

/**
 * Distractors filled from one template the key does not follow ("Choice 1", "Choice 2" beside
 * "Lisbon"); "Vitamin A", "Vitamin C" beside the key "Vitamin D" are a real series and pass.
 */
function structuralTwins(s: FlawSubject): number | null {
  const keyShape = s.key === null ? null : templateShape(s.options[s.key] ?? '');
  const seen = new Set<string>();
  for (const d of distractors(s)) {
    const shape = templateShape(d.text);
    if (shape === null || shape === keyShape) continue;
    if (seen.has(shape)) return d.index;
    seen.add(shape);
  }
  return null;
}

export const implausibleDistractor: Rule = (s) => {
  const bad = s.options.findIndex((o, j) => j !== s.key && isImplausible(o));
  const at = bad >= 0 ? bad : structuralTwins(s);
  if (at === null) return [];
  return [
    flaw(
      'implausible_distractor',
      optionPath(s, at),
      `${quote(s.options[at] ?? '')} is a placeholder, not a plausible answer a student could choose; replace it with a wrong answer that a student who has not mastered the topic would find believable`,
    ),
  ];
};

/** Every rule, in the order its flaws are reported. */
export const RULES: readonly Rule[] = [
  implausibleDistractor,
  negativeStemUnemphasised,
  grammarArticleCue,
  grammarNumberCue,
  longestKey,
  absoluteInDistractors,
  optionContained,
  keyRepeatsStemWord,
];
