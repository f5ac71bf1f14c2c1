import { Document, HeadingLevel, Packer, Paragraph } from 'docx';
import { PDFDocument, PDFHexString, PDFName, StandardFonts } from 'pdf-lib';

/** A PDF with one text page per entry; each page's lines drawn top-down (so line breaks survive). */
export async function pdfOf(pages: string[][], title?: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  if (title !== undefined) doc.setTitle(title);
  for (const lines of pages) {
    const page = doc.addPage([600, 800]);
    lines.forEach((line, i) => page.drawText(line, { x: 40, y: 750 - i * 16, size: 11, font }));
  }
  return doc.save();
}

/** A "scanned" PDF: a page with a drawing and no text layer. */
export async function scannedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([600, 800]).drawRectangle({ x: 50, y: 50, width: 400, height: 600 });
  return doc.save();
}

/** A PDF whose trailer names a standard security handler with a user password nobody knows. */
export async function encryptedPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage().drawText('Secret text', { x: 40, y: 700, size: 11, font });
  const encrypt = doc.context.obj({
    Filter: PDFName.of('Standard'),
    V: 1,
    R: 2,
    O: PDFHexString.of('ab'.repeat(32)),
    U: PDFHexString.of('cd'.repeat(32)),
    P: -4,
  });
  doc.context.trailerInfo.Encrypt = doc.context.register(encrypt);
  doc.context.trailerInfo.ID = doc.context.obj([PDFHexString.of('01'.repeat(16)), PDFHexString.of('01'.repeat(16))]);
  return doc.save({ useObjectStreams: false });
}

/** A DOCX with headings and paragraphs: `[heading, [paragraphs]]` per part. */
export async function docxOf(parts: Array<[string, string[]]>): Promise<Uint8Array> {
  const doc = new Document({
    sections: [
      {
        children: parts.flatMap(([heading, paragraphs]) => [
          new Paragraph({ text: heading, heading: HeadingLevel.HEADING_1 }),
          ...paragraphs.map((p) => new Paragraph(p)),
        ]),
      },
    ],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
