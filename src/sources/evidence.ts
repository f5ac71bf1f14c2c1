import type { Section } from './types.js';

/**
 * The text as quotes are compared: Unicode-compatible forms, typographic quotes and dashes made
 * plain, soft hyphens dropped, words hyphenated across a line break (PDF layout) joined again, and
 * all whitespace runs one space. Applied to both the quote and the section. A hyphen at a line
 * break may also be a real one ("light-\ndependent"), so `keep` is the second reading.
 */
export function normaliseForMatch(text: string, lineBreakHyphen: 'join' | 'keep' = 'join'): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201A\u201B\u2032\u00B4`]/g, "'")
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"')
    .replace(/[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D]/g, '-')
    .replace(/\u00AD/g, '')
    .replace(/(\p{Ll})-[ \t]*\r?\n\s*(\p{Ll})/gu, lineBreakHyphen === 'join' ? '$1$2' : '$1-$2')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface EvidenceMatch {
  sectionId: string;
  page?: number;
}

/**
 * Where `quote` occurs verbatim (after `normaliseForMatch`): the claimed section first, then any
 * other, in document order. A quote found elsewhere is attributed to the section that holds it.
 */
export function findEvidence(quote: string, sections: readonly Section[], claimedSectionId: string | null): EvidenceMatch | null {
  const needle = normaliseForMatch(quote);
  if (needle === '') return null;
  const claimed = sections.find((s) => s.id === claimedSectionId);
  const ordered = claimed === undefined ? sections : [claimed, ...sections.filter((s) => s !== claimed)];
  for (const section of ordered) {
    const found = normaliseForMatch(section.text).includes(needle) || normaliseForMatch(section.text, 'keep').includes(needle);
    if (found) {
      return section.page === undefined ? { sectionId: section.id } : { sectionId: section.id, page: section.page };
    }
  }
  return null;
}
