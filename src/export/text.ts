/**
 * Text as it arrives (model output, documents) may hold characters an XML 1.0 document cannot:
 * C0 controls other than tab and newline, lone surrogates, U+FFFE/U+FFFF. They carry no meaning in
 * a quiz, so every export drops them once here; line endings become `\n`.
 */
export function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

/**
 * Text for an LMS field in HTML format: the characters HTML reads as markup are escaped, so a
 * question about `<b>` shows `<b>`, and a line break stays a line break.
 */
export function toHtml(text: string): string {
  return cleanText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '<br>\n');
}

/** A file name for a download, from the topic: ASCII letters, digits and dashes, never empty. */
export function fileStem(topic: string, fallback: string): string {
  const stem = topic
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return stem.length > 0 ? stem : fallback;
}

/**
 * Text for an xmlbuilder2 text node or attribute. The builder leaves an `&` that already looks
 * like an entity (`&amp;`, `&lt;`) unescaped, so a question *about* `&amp;` would lose a level;
 * escaping every `&` first makes each one look like an entity, which the builder then keeps.
 */
export function xmlSafe(text: string): string {
  return cleanText(text).replace(/&/g, '&amp;');
}
