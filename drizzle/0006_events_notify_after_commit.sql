-- The statement trigger that NOTIFYed quizforge_events made every event-writing transaction take
-- PostgreSQL's global NOTIFY lock at commit and hold it through the commit's WAL flush, so all
-- claims and completions committed one at a time. The engine now sends that wake-up itself,
-- after its own commits, in a tiny transaction that does not wait for the flush (see
-- src/engine/notifier.ts); events appended in a caller's transaction still NOTIFY inside it.
DROP TRIGGER IF EXISTS job_events_notify ON job_events;
--> statement-breakpoint
DROP FUNCTION IF EXISTS qf_notify_events();
