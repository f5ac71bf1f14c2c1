import { z } from 'zod';

/** Every export format, in the order the API, CLI and pages list them. */
export const EXPORT_FORMATS = ['gift', 'moodle-xml', 'qti21', 'csv', 'aiken', 'markdown', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `GET /v1/batches/:id/export?format=F`: an unknown or missing format is refused with the list. */
export const ExportQuerySchema = z.strictObject({
  format: z.enum(EXPORT_FORMATS, { error: () => `format must be one of: ${EXPORT_FORMATS.join(', ')}` }),
});
