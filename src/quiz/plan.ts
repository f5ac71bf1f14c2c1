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
