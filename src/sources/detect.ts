import type { SourceKind } from './types.js';

const EXTENSIONS: Record<string, SourceKind> = {
  pdf: 'pdf',
  docx: 'docx',
  html: 'html',
  htm: 'html',
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
};

const MEDIA_TYPES: Record<string, SourceKind> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
};

/**
 * The kind of an uploaded file, from its leading bytes first (a PDF says `%PDF-`, a DOCX is a zip),
 * then its media type, then its file name. Null when none says a kind quizforge reads.
 */
export function detectKind(bytes: Uint8Array, mediaType: string | null, fileName: string | null): SourceKind | null {
  const head = Buffer.from(bytes.subarray(0, 5)).toString('latin1');
  const byType = MEDIA_TYPES[(mediaType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''];
  const ext = /\.([A-Za-z0-9]{1,10})$/.exec(fileName ?? '')?.[1]?.toLowerCase();
  const byName = ext === undefined ? undefined : EXTENSIONS[ext];
  if (head === '%PDF-') return 'pdf';
  if (head.startsWith('PK\u0003\u0004')) return byType === 'docx' || byName === 'docx' ? 'docx' : null;
  const claimed = byType ?? byName;
  // A binary file must not pass as text because of its name.
  if (claimed === 'pdf' || claimed === 'docx') return claimed;
  if (claimed !== undefined && bytes.subarray(0, 8192).includes(0)) return null;
  return claimed ?? null;
}
