import { SOURCE_LIMITS, type ExtractedText, type Section } from './types.js';

const HEADING = /^#{1,6}[ \t]+(.+?)[ \t#]*$/;

interface Block {
  title: string;
  text: string;
  page?: number;
}

/** Splits text at blank lines and packs paragraphs into parts of at most `max` characters. */
export function packParagraphs(text: string, max: number): string[] {
  const paragraphs = text.split(/\n[ \t]*\n/).map((p) => p.trim()).filter((p) => p !== '');
  const parts: string[] = [];
  let current = '';
  for (const paragraph of paragraphs.flatMap((p) => hardSplit(p, max))) {
    if (current !== '' && current.length + 2 + paragraph.length > max) {
      parts.push(current);
      current = '';
    }
    current = current === '' ? paragraph : `${current}\n\n${paragraph}`;
  }
  if (current !== '') parts.push(current);
  return parts;
}

/** A paragraph longer than `max` is cut at the last sentence end or space before the limit. */
function hardSplit(paragraph: string, max: number): string[] {
  const out: string[] = [];
  let rest = paragraph;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const sentence = Math.max(window.lastIndexOf('. '), window.lastIndexOf('.\n'));
    const space = window.lastIndexOf(' ');
    const cut = sentence > max / 2 ? sentence + 1 : space > max / 2 ? space : max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest !== '') out.push(rest);
  return out;
}

function headingBlocks(text: string, firstTitle: string): Block[] {
  const blocks: Block[] = [];
  let title = firstTitle;
  let lines: string[] = [];
  const flush = () => {
    blocks.push({ title, text: lines.join('\n') });
    lines = [];
  };
  for (const line of text.split('\n')) {
    const m = HEADING.exec(line);
    if (m?.[1] !== undefined) {
      flush();
      title = m[1].trim().slice(0, SOURCE_LIMITS.maxTitleChars);
    } else {
      lines.push(line);
    }
  }
  flush();
  return blocks;
}

/**
 * Splits a document into bounded sections: one per page for PDFs, one per Markdown heading
 * otherwise (HTML and DOCX headings arrive as `#` lines), each cut at paragraph boundaries into
 * parts of at most `maxChars`. Ids are `s1`, `s2`, … in document order; empty parts are dropped.
 */
export function sectionize(doc: Pick<ExtractedText, 'pages' | 'paged'>, title: string, maxChars: number = SOURCE_LIMITS.maxSectionChars): Section[] {
  const blocks: Block[] = doc.paged
    ? doc.pages.map((text, i) => ({ title: `Page ${i + 1}`, text, page: i + 1 }))
    : headingBlocks(doc.pages.join('\n\n'), title);
  const sections: Section[] = [];
  for (const block of blocks) {
    const parts = packParagraphs(block.text, maxChars);
    parts.forEach((text, j) => {
      const id = `s${sections.length + 1}`;
      const partTitle = parts.length > 1 ? `${block.title} (${j + 1})` : block.title;
      sections.push({ id, title: partTitle, text, chars: text.length, ...(block.page === undefined ? {} : { page: block.page }) });
    });
  }
  return sections;
}
