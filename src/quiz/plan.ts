/** One chunk of a batch: `count` questions that will sit at positions `start…start+count-1`. */
export interface ChunkPlan {
  index: number;
  start: number;
  count: number;
}

/**
 * Splits a batch into chunks of at most `chunkSize` questions. Small chunks keep a model answer
 * short (fewer truncations) and make a failure cost one chunk, not the batch.
 */
export function planChunks(total: number, chunkSize: number): ChunkPlan[] {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`total must be a positive integer; got ${total}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer; got ${chunkSize}`);
  const chunks: ChunkPlan[] = [];
  for (let start = 0, index = 0; start < total; start += chunkSize, index += 1) {
    chunks.push({ index, start, count: Math.min(chunkSize, total - start) });
  }
  return chunks;
}

/**
 * Which sections each chunk quotes from, so a quiz spreads over the material: sections are dealt
 * out in document order in contiguous runs, one run per chunk; with fewer sections than chunks,
 * chunks share them round-robin. Every section goes to some chunk when there are enough chunks.
 */
export function assignSections(sectionIds: readonly string[], chunks: number): string[][] {
  if (sectionIds.length === 0) return Array.from({ length: chunks }, () => []);
  if (sectionIds.length <= chunks) return Array.from({ length: chunks }, (_, i) => [sectionIds[i % sectionIds.length] as string]);
  return Array.from({ length: chunks }, (_, i) => {
    const from = Math.floor((i * sectionIds.length) / chunks);
    const to = Math.floor(((i + 1) * sectionIds.length) / chunks);
    return sectionIds.slice(from, to);
  });
}
