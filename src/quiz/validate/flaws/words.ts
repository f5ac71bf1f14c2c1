import { normaliseText } from '../text.js';

/** Function words that carry no topic: they never count as "distinctive" and never make a duplicate. */
const STOPWORDS = new Set(
  (
    'a an the of to in on at by for from with without into onto over under about as and or nor but if then than so ' +
    'is are was were be been being am do does did has have had having will would shall should can could may might must ' +
    'what which who whom whose when where why how that this these those there here it its it\'s they them their he she ' +
    'his her him we us our you your i me my not no yes one ones following best most more less least called known ' +
    'term describes describe describes name named main usually often also each any some such other another very'
  ).split(' '),
);

/** Lowercase word tokens of a text (letters and digits, apostrophes inside words kept). */
export function tokens(text: string): string[] {
  return normaliseText(text).match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];
}

/** A crude English stemmer: enough to match "planet"/"planets", "orbit"/"orbits"/"orbiting". */
export function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const suffix of ['ies', 'ing', 'ed', 'es', 's', 'ly']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 4 && !word.endsWith('ss') && !word.endsWith('us') && !word.endsWith('is')) {
      const base = word.slice(0, -suffix.length);
      return suffix === 'ies' ? `${base}y` : base;
    }
  }
  return word;
}

/** Stemmed content words: the words that say what a text is about. */
export function contentWords(text: string): string[] {
  return tokens(text)
    .filter((w) => !STOPWORDS.has(w) && (w.length > 2 || /\d/.test(w)))
    .map(stem);
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word);
}

/** |A ∩ B| / |A ∪ B|; 0 for two empty sets. */
export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  for (const x of a) if (b.has(x)) inter += 1;
  return inter / (a.size + b.size - inter);
}
