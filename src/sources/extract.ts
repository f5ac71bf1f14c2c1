import { convert } from 'html-to-text';
import mammoth from 'mammoth';
import { extractText, getDocumentProxy } from 'unpdf';
import { SOURCE_LIMITS, type ExtractOutcome, type SourceKind } from './types.js';

/**
 * HTML to plain text, with headings kept as Markdown `#` lines so sectioning can find them.
 * html-to-text drops scripts and styles; links keep only their text.
 */
export function htmlToText(html: string): string {
  const heading = (level: number) => ({ selector: `h${level}`, format: 'mdHeading', options: { level } });
  return convert(html, {
    wordwrap: false,
    selectors: [
      ...[1, 2, 3, 4, 5, 6].map(heading),
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
    ],
    formatters: {
      mdHeading(elem, walk, builder, options) {
        const level = typeof options.level === 'number' ? options.level : 1;
        builder.openBlock({ leadingLineBreaks: 2 });
        builder.addInline(`${'#'.repeat(level)} `);
        walk(elem.children, builder);
        builder.closeBlock({ trailingLineBreaks: 2 });
      },
    },
  });
}

function htmlTitle(html: string): string | null {
  // Only the first <title>, bounded; the rest of the HTML goes through html-to-text.
  const m = /<title[^>]{0,200}>([^<]{1,400})<\/title>/i.exec(html.slice(0, 65_536));
  const title = m?.[1]?.trim();
  return title === undefined || title === '' ? null : convert(title, { wordwrap: false });
}

function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

function pdfFailure(err: unknown): ExtractOutcome {
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return { ok: false, failure: { reason: 'encrypted', message: 'the PDF is encrypted (password protected); upload an unprotected copy' } };
  const detail = err instanceof Error ? err.message.slice(0, 200) : 'unreadable';
  return { ok: false, failure: { reason: 'corrupt', message: `the PDF cannot be read (${detail})` } };
}

async function extractPdf(bytes: Uint8Array): Promise<ExtractOutcome> {
  let pages: string[];
  let title: string | null = null;
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    pages = (await extractText(pdf, { mergePages: false })).text;
    const meta = await pdf.getMetadata().catch(() => null);
    const info = meta?.info as { Title?: unknown } | undefined;
    if (typeof info?.Title === 'string' && info.Title.trim() !== '') title = info.Title.trim();
    await pdf.cleanup();
  } catch (err) {
    return pdfFailure(err);
  }
  if (pages.every((p) => p.trim() === '')) {
    return { ok: false, failure: { reason: 'no_text', message: 'the PDF has no extractable text (a scanned document?); upload a PDF with a text layer' } };
  }
  return { ok: true, value: { kind: 'pdf', pages, paged: true, title } };
}

async function extractDocx(bytes: Uint8Array): Promise<ExtractOutcome> {
  try {
    const { value } = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
    return { ok: true, value: { kind: 'docx', pages: [htmlToText(value)], paged: false, title: null } };
  } catch (err) {
    const detail = err instanceof Error ? err.message.slice(0, 200) : 'unreadable';
    return { ok: false, failure: { reason: 'corrupt', message: `the DOCX file cannot be read (${detail})` } };
  }
}

/** Extracts the text of a document of a known kind. Never throws on document content. */
export async function extractDocument(bytes: Uint8Array, kind: SourceKind): Promise<ExtractOutcome> {
  if (bytes.length > SOURCE_LIMITS.maxFileBytes) {
    return { ok: false, failure: { reason: 'too_large', message: `the file is larger than ${SOURCE_LIMITS.maxFileBytes} bytes` } };
  }
  const outcome = await extractByKind(bytes, kind);
  if (!outcome.ok) return outcome;
  const chars = outcome.value.pages.reduce((n, p) => n + p.length, 0);
  if (outcome.value.pages.every((p) => p.trim() === '')) {
    return { ok: false, failure: { reason: 'empty', message: 'the document contains no text' } };
  }
  if (chars > SOURCE_LIMITS.maxTextChars) {
    return { ok: false, failure: { reason: 'too_large', message: `the document has ${chars} characters of text; at most ${SOURCE_LIMITS.maxTextChars} are accepted` } };
  }
  return outcome;
}

async function extractByKind(bytes: Uint8Array, kind: SourceKind): Promise<ExtractOutcome> {
  if (kind === 'pdf') return extractPdf(bytes);
  if (kind === 'docx') return extractDocx(bytes);
  const text = decodeUtf8(bytes);
  if (kind === 'html') return { ok: true, value: { kind, pages: [htmlToText(text)], paged: false, title: htmlTitle(text) } };
  return { ok: true, value: { kind, pages: [text.replace(/\r\n?/g, '\n')], paged: false, title: null } };
}
