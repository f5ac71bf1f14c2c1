import type { EngineEvent } from '../engine/types.js';

const MAX_ENTRIES = 50_000;

/**
 * Which tenant owns each event's batch, for the tenant-scoped `/v1/events` streams. A batch's
 * owner never changes and its id is never reused, so answers are cached for the process's life
 * (bounded); a wake costs at most one lookup for the batches it has not seen yet. Events of no
 * batch, or of one that is gone, belong to nobody: only the all-seeing scope gets them.
 */
export class GroupOwners {
  private readonly owners = new Map<string, string>();

  constructor(private readonly lookup: (ids: readonly string[]) => Promise<Map<string, string>>) {}

  /** Looks up the owners of the events' batches not yet known. */
  async learn(events: readonly EngineEvent[]): Promise<void> {
    const unknown = [...new Set(events.flatMap((e) => (e.groupId !== null && !this.owners.has(e.groupId) ? [e.groupId] : [])))];
    if (unknown.length === 0) return;
    const found = await this.lookup(unknown);
    if (this.owners.size + found.size > MAX_ENTRIES) this.owners.clear();
    for (const [id, tenant] of found) this.owners.set(id, tenant);
  }

  /** The owner of a batch id, once learnt; undefined when unknown (or no batch). */
  ownerOf(groupId: string | null): string | undefined {
    return groupId === null ? undefined : this.owners.get(groupId);
  }

  /** The events `owner` may see (all of them for null, the all-seeing scope), after `learn`. */
  visibleTo<T extends { groupId: string | null }>(items: readonly T[], owner: string | null): T[] {
    return owner === null ? [...items] : items.filter((e) => this.ownerOf(e.groupId) === owner);
  }
}
