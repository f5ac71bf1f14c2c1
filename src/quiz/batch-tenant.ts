/**
 * The worker side's one answer to "whose budget does this call spend?": the tenant that owns the
 * call's batch (`batches.tenant_id`). A batch's owner never changes, so each process asks once per
 * batch and keeps the answer (bounded: the map starts over past `MAX_CACHED` batches).
 */
import { DEFAULT_TENANT } from '../accounts/tenants.js';
import type { Executor } from '../db/client.js';
import { batchTenants } from '../db/quiz/index.js';

const MAX_CACHED = 10_000;
const owners = new Map<string, string>();

/** The tenant a batch's model calls are charged to; `default` for a batch that no longer exists. */
export async function tenantOfBatch(db: Executor, batchId: string): Promise<string> {
  const known = owners.get(batchId);
  if (known !== undefined) return known;
  const tenant = (await batchTenants(db, [batchId])).get(batchId) ?? DEFAULT_TENANT;
  if (owners.size >= MAX_CACHED) owners.clear();
  owners.set(batchId, tenant);
  return tenant;
}
