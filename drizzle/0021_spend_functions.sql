-- qf_settle_spend: called by the statement that records a call's outcome. Releases what the call
-- reserved and adds what it really used (tokens; dollars unless the model has no price, which is
-- counted in unpriced_calls instead), once: a call whose reservation was already settled (by its
-- finish, or as stale by qf_reserve_spend) settles nothing.
CREATE OR REPLACE FUNCTION qf_settle_spend(p_call bigint, p_tokens bigint, p_usd numeric)
RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  c record;
BEGIN
  SELECT m.batch_id, m.reserved_tokens, m.reserved_usd, m.spend_ledger INTO c
    FROM model_calls m WHERE m.id = p_call AND m.reserved_tokens > 0 FOR UPDATE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  IF c.spend_ledger IS NOT NULL THEN
    UPDATE tenant_spend s
       SET reserved_tokens = s.reserved_tokens - c.reserved_tokens, reserved_usd = s.reserved_usd - c.reserved_usd,
           spent_tokens = s.spent_tokens + p_tokens, spent_usd = s.spent_usd + coalesce(p_usd, 0),
           calls = s.calls + 1, unpriced_calls = s.unpriced_calls + (p_usd IS NULL AND p_tokens > 0)::int
     WHERE s.id = c.spend_ledger;
  END IF;
  IF c.batch_id IS NOT NULL THEN
    UPDATE batch_spend b
       SET reserved_tokens = b.reserved_tokens - c.reserved_tokens, reserved_usd = b.reserved_usd - c.reserved_usd,
           spent_tokens = b.spent_tokens + p_tokens, spent_usd = b.spent_usd + coalesce(p_usd, 0)
     WHERE b.batch_id = c.batch_id;
  END IF;
  -- The caller clears the call's reservation columns (the finish statement, or the stale loop).
  RETURN true;
END
$$;
--> statement-breakpoint
-- Budget reservation and settlement (hand-written; see src/accounts/README.md, "Budgets").
--
-- qf_reserve_spend: called by the statement that records a model call as started, so the call's
-- number, its validation-budget check and its budget reservation are one round trip. It reserves
-- the call's worst case (prompt estimate + max_completion_tokens, priced) against the tenant's
-- period row and the batch's row with conditional UPDATEs: a row is only changed when
-- spent + reserved + worst stays within its limit, and the row lock makes the check and the add
-- atomic across every worker on every host. Locks are always taken tenant first, then batch
-- (qf_settle_spend too), so two calls never wait on each other in a cycle. `p_usd` is null for a
-- model without a price: it then passes only budgets that have no dollar limit.
-- Returns `refused` null and the tenant_spend row (`ledger`) on success; otherwise `attempts`
-- (the validation budget is spent, `p_ok` false), `tenant` or `batch`, and nothing is reserved.
-- First, calls of the same job from an earlier attempt that still hold a reservation are settled
-- as stale: their worker died or lost the job during the call, and the provider may have billed
-- it, so each is charged its worst case (a late finish of such a call then settles nothing).
CREATE OR REPLACE FUNCTION qf_reserve_spend(p_ok boolean, p_job bigint, p_attempt integer, p_batch text, p_tenant text, p_tokens bigint, p_usd numeric)
RETURNS TABLE (refused text, ledger bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_limit numeric;
  v_per text;
  v_start timestamptz;
  v_ledger bigint;
  v_stale record;
BEGIN
  FOR v_stale IN
    SELECT m.id, m.reserved_tokens, m.reserved_usd FROM model_calls m
     WHERE m.job_id = p_job AND m.job_attempt < p_attempt AND m.reserved_tokens > 0
     ORDER BY m.id
  LOOP
    PERFORM qf_settle_spend(v_stale.id, v_stale.reserved_tokens, v_stale.reserved_usd);
    UPDATE model_calls SET reserved_tokens = 0, reserved_usd = 0 WHERE id = v_stale.id;
  END LOOP;
  IF NOT p_ok THEN
    RETURN QUERY SELECT 'attempts'::text, NULL::bigint;
    RETURN;
  END IF;
  SELECT t.usd, t.per INTO v_limit, v_per FROM tenant_budgets t WHERE t.tenant = p_tenant;
  v_per := coalesce(v_per, 'month');
  v_start := date_trunc(v_per, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  INSERT INTO tenant_spend (tenant, per, period_start) VALUES (p_tenant, v_per, v_start) ON CONFLICT DO NOTHING;
  UPDATE tenant_spend s
     SET reserved_tokens = s.reserved_tokens + p_tokens, reserved_usd = s.reserved_usd + coalesce(p_usd, 0)
   WHERE s.tenant = p_tenant AND s.per = v_per AND s.period_start = v_start
     AND (v_limit IS NULL OR (p_usd IS NOT NULL AND s.spent_usd + s.reserved_usd + p_usd <= v_limit))
  RETURNING s.id INTO v_ledger;
  IF v_ledger IS NULL THEN
    RETURN QUERY SELECT 'tenant'::text, NULL::bigint;
    RETURN;
  END IF;
  IF p_batch IS NOT NULL THEN
    UPDATE batch_spend b
       SET reserved_tokens = b.reserved_tokens + p_tokens, reserved_usd = b.reserved_usd + coalesce(p_usd, 0)
     WHERE b.batch_id = p_batch
       AND (b.max_tokens IS NULL OR b.spent_tokens + b.reserved_tokens + p_tokens <= b.max_tokens)
       AND (b.max_usd IS NULL OR (p_usd IS NOT NULL AND b.spent_usd + b.reserved_usd + p_usd <= b.max_usd));
    -- A batch without a row (stored before budgets existed) has no budget.
    IF NOT FOUND AND EXISTS (SELECT 1 FROM batch_spend WHERE batch_id = p_batch) THEN
      UPDATE tenant_spend SET reserved_tokens = reserved_tokens - p_tokens, reserved_usd = reserved_usd - coalesce(p_usd, 0)
       WHERE id = v_ledger;
      RETURN QUERY SELECT 'batch'::text, NULL::bigint;
      RETURN;
    END IF;
  END IF;
  RETURN QUERY SELECT NULL::text, v_ledger;
END
$$;
