import type { Executor } from '../db/client.js';
import { getSource } from '../db/quiz/index.js';
import { PermanentError } from '../engine/errors.js';
import type { Section } from '../sources/types.js';

/** The sections of a batch's source, or null without one; a source that vanished is a permanent failure. */
export async function sourceSections(db: Executor, sourceId: string | undefined): Promise<Section[] | null> {
  if (sourceId === undefined) return null;
  const source = await getSource(db, sourceId);
  if (source === null) throw new PermanentError('payload', `source ${sourceId} no longer exists`);
  return source.sections;
}

/** A chunk's material: all the source's sections (evidence may sit in any) and the ones its prompt quotes. */
export async function chunkMaterial(
  db: Executor,
  p: { request: { sourceId?: string | undefined }; sectionIds?: string[] | undefined },
): Promise<{ sections: Section[]; shown: Section[] } | undefined> {
  const sections = await sourceSections(db, p.request.sourceId);
  if (sections === null) return undefined;
  return { sections, shown: sections.filter((s) => p.sectionIds?.includes(s.id) ?? true) };
}
