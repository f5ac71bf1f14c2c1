DROP INDEX "job_events_created_idx";--> statement-breakpoint
DROP INDEX "job_events_group_idx";--> statement-breakpoint
CREATE INDEX "job_events_created_idx" ON "job_events" USING brin ("created_at");--> statement-breakpoint
CREATE INDEX "job_events_group_idx" ON "job_events" USING btree ("group_id","id") WHERE group_id IS NOT NULL;