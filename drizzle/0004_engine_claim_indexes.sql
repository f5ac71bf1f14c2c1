DROP INDEX "jobs_queue_idempotency_key_uq";--> statement-breakpoint
DROP INDEX "jobs_ready_idx";--> statement-breakpoint
DROP INDEX "jobs_group_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_queue_idempotency_key_uq" ON "jobs" USING btree ("queue","idempotency_key") WHERE idempotency_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_ready_idx" ON "jobs" USING btree ("queue","priority","run_at","id") WHERE state = 'ready';--> statement-breakpoint
CREATE INDEX "jobs_group_idx" ON "jobs" USING btree ("group_id") WHERE group_id IS NOT NULL;