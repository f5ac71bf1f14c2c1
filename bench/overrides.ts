/**
 * BENCH_QF_WORKER, BENCH_QF_ENGINE, BENCH_GRAPHILE_WORKER, BENCH_PGBOSS_WORK: JSON objects of
 * numbers/booleans merged over a system's settings, for tuning runs. A full run uses none.
 */
export function overridesFromEnv(name: string): Record<string, number | boolean> {
  const raw = process.env[name];
  if (!raw) return {};
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${name} must be a JSON object`);
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${name}.${k} must be a number or boolean`);
    out[k] = v;
  }
  return out;
}
