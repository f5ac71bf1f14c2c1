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
 * out in document order in contiguous runs sized by each chunk's share of the questions; a chunk
 * whose share rounds to no section gets the section at its place. With enough questions every
 * section goes to some chunk.
 */
export function assignSections(sectionIds: readonly string[], chunkCounts: readonly number[]): string[][] {
  const total = chunkCounts.reduce((a, b) => a + b, 0);
  const n = sectionIds.length;
  if (n === 0 || total === 0) return chunkCounts.map(() => []);
  let before = 0;
  return chunkCounts.map((count) => {
    const from = Math.floor((before * n) / total);
    before += count;
    const to = Math.floor((before * n) / total);
    return to > from ? sectionIds.slice(from, to) : [sectionIds[Math.min(from, n - 1)] as string];
  });
}
