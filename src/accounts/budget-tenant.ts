/**
 * The worker side's one answer to "whose budget does this call spend?". Until tenants land every
 * batch belongs to `default`.
 */
export const DEFAULT_TENANT = 'default';

/** The tenant a batch's model calls are charged to. */
// merge: tenants — read batches.tenant_id (or a `tenant` field of the job payload) instead.
export function tenantOfBatch(_batchId: string | null): string {
  return DEFAULT_TENANT;
}
