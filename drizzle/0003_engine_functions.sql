-- Engine functions and triggers (hand-written; see src/engine/README.md, "Database objects").
--
-- qf_release_children: called by the completion statement with the ids of jobs that just
-- succeeded. It is VOLATILE plpgsql on purpose: each statement inside it takes a fresh snapshot,
-- taken after the caller already holds the row locks of the succeeded parents. A graph enqueue
-- that added a child to one of those parents either committed before that point (its edge and
-- child row are visible here) or is still waiting for the parent's lock (and will then see the
-- parent succeeded). A plain CTE in the completion statement would use the statement's older
-- snapshot and could miss such a child, leaving it waiting forever.
CREATE OR REPLACE FUNCTION qf_release_children(parent_ids bigint[])
RETURNS TABLE (id bigint, queue text, group_id text, state text, attempt integer, priority integer, run_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH counts AS (
    SELECT d.job_id, count(*)::integer AS n
    FROM job_dependencies d
    WHERE d.parent_id = ANY (parent_ids)
    GROUP BY d.job_id
  ), upd AS (
    UPDATE jobs c
    SET pending_parents = greatest(c.pending_parents - counts.n, 0),
        state = CASE WHEN c.state = 'waiting' AND c.pending_parents - counts.n <= 0 THEN 'ready' ELSE c.state END,
        updated_at = now()
    FROM counts
    WHERE c.id = counts.job_id AND c.state IN ('waiting', 'blocked')
    RETURNING c.id, c.queue, c.group_id, c.state, c.attempt, c.priority, c.run_at
  )
  SELECT upd.id, upd.queue, upd.group_id, upd.state, upd.attempt, upd.priority, upd.run_at FROM upd;
END
$$;
--> statement-breakpoint
-- Every insert into the event journal wakes LISTENers once per statement (a hint, not the data:
-- readers always read job_events by id).
CREATE OR REPLACE FUNCTION qf_notify_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows) THEN
    PERFORM pg_notify('quizforge_events', '');
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER job_events_notify
AFTER INSERT ON job_events
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION qf_notify_events();
