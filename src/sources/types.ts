/** The document kinds quizforge extracts text from. */
export const SOURCE_KINDS = ['pdf', 'docx', 'html', 'markdown', 'text'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** Bounds of a source: what is accepted, and how big one section may grow. */
export const SOURCE_LIMITS = {
  maxFileBytes: 20 * 1024 * 1024,
  maxTextChars: 500_000,
  maxTitleChars: 200,
  maxSectionChars: 4_000,
  /** Extraction gets this long and this much heap, in a worker thread, before it is stopped. */
  extractTimeoutMs: 20_000,
  extractHeapMb: 512,
} as const;

/** Text as extracted: one string per page for PDFs, one string otherwise. */
export interface ExtractedText {
  kind: SourceKind;
  pages: string[];
  paged: boolean;
  title: string | null;
}

/** Why a document cannot be used; each maps to one HTTP status. */
export type ExtractFailure =
  | { reason: 'unsupported'; message: string }
  | { reason: 'too_large'; message: string }
  | { reason: 'encrypted' | 'corrupt' | 'no_text' | 'empty' | 'timeout'; message: string };

export type ExtractOutcome = { ok: true; value: ExtractedText } | { ok: false; failure: ExtractFailure };

/** A bounded part of a source: what one chunk's prompt quotes from and evidence points at. */
export interface Section {
  id: string;
  title: string;
  text: string;
  chars: number;
  page?: number;
}
