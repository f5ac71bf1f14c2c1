import { describe, expect, it } from 'vitest';
import { extractBounded } from '../../src/sources/bounded.js';
import { detectKind } from '../../src/sources/detect.js';
import { findEvidence, normaliseForMatch } from '../../src/sources/evidence.js';
import { packParagraphs, sectionize } from '../../src/sources/section.js';
import { pdfOf } from './documents.js';

describe('sectionize', () => {
  it('splits at headings, drops empty parts and titles the preamble with the document title', () => {
    const text = 'Intro line.\n\n# A\n\nAlpha text.\n\n## B\n\n# C\n\nGamma text.';
    expect(sectionize({ pages: [text], paged: false }, 'Doc').map((s) => [s.id, s.title, s.text])).toEqual([
      ['s1', 'Doc', 'Intro line.'],
      ['s2', 'A', 'Alpha text.'],
      ['s3', 'C', 'Gamma text.'],
    ]);
  });

  it('bounds every section: long parts split at paragraphs, then at sentences', () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'word '.repeat(40)}`.trim());
    const sections = sectionize({ pages: [paragraphs.join('\n\n')], paged: false }, 'Long', 1000);
    expect(sections.length).toBeGreaterThan(5);
    for (const s of sections) expect(s.chars).toBeLessThanOrEqual(1000);
    expect(sections[1]?.title).toBe('Long (2)');
    const one = `${'A sentence here. '.repeat(200)}`;
    for (const part of packParagraphs(one, 500)) expect(part.length).toBeLessThanOrEqual(500);
  });

  it('pages become sections with their page numbers', () => {
    const s = sectionize({ pages: ['First page.', '  ', 'Third page.'], paged: true }, 'P');
    expect(s).toEqual([
      { id: 's1', title: 'Page 1', text: 'First page.', chars: 11, page: 1 },
      { id: 's2', title: 'Page 3', text: 'Third page.', chars: 11, page: 3 },
    ]);
  });
});

describe('evidence matching', () => {
  const sections = sectionize(
    { pages: ['Chlorophyll absorbs light. The light-\ndependent reactions happen in the thyla-\nkoid membranes.', 'The Calvin cycle “fixes” carbon — slowly.'], paged: true },
    'Bio',
  );

  it('finds a quote across PDF line-break hyphenation and whitespace', () => {
    expect(findEvidence('reactions happen in the thylakoid membranes', sections, 's1')).toEqual({ sectionId: 's1', page: 1 });
    expect(findEvidence('The light-dependent   reactions', sections, 's1')).toEqual({ sectionId: 's1', page: 1 });
  });

  it('normalises typographic quotes and dashes', () => {
    expect(findEvidence('The Calvin cycle "fixes" carbon - slowly', sections, 's2')).toEqual({ sectionId: 's2', page: 2 });
    expect(normaliseForMatch('a\u2013b \u2018c\u2019 \u00ADd')).toBe("a-b 'c' d");
  });

  it('attributes a quote found in another section to that section; a quote found nowhere is null', () => {
    expect(findEvidence('Chlorophyll absorbs light.', sections, 's2')).toEqual({ sectionId: 's1', page: 1 });
    expect(findEvidence('Chlorophyll reflects green light.', sections, 's1')).toBeNull();
    expect(findEvidence('   ', sections, 's1')).toBeNull();
  });
});

describe('detectKind', () => {
  it('trusts magic bytes over names, and refuses binary posing as text', () => {
    const pdf = new TextEncoder().encode('%PDF-1.7 ...');
    expect(detectKind(pdf, 'text/plain', 'x.txt')).toBe('pdf');
    expect(detectKind(new TextEncoder().encode('hello'), 'text/plain; charset=utf-8', null)).toBe('text');
    expect(detectKind(new TextEncoder().encode('<p>x</p>'), null, 'page.HTM')).toBe('html');
    expect(detectKind(new Uint8Array([104, 0, 105]), null, 'a.txt')).toBeNull();
    expect(detectKind(new TextEncoder().encode('x'), 'image/png', 'a.png')).toBeNull();
  });
});

describe('bounded extraction', () => {
  it('stops an extraction past its deadline with a timeout, without hurting the process', async () => {
    const bytes = await pdfOf([['Some text on a page.']]);
    const outcome = await extractBounded(bytes, 'pdf', { timeoutMs: 1 });
    expect(outcome).toEqual({ ok: false, failure: { reason: 'timeout', message: 'extraction took longer than 1 ms and was stopped' } });
    const fine = await extractBounded(bytes, 'pdf');
    expect(fine.ok).toBe(true);
  });
});
