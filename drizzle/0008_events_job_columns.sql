ALTER TABLE "job_events" ADD COLUMN "queue" text;--> statement-breakpoint
ALTER TABLE "job_events" ADD COLUMN "state" text;--> statement-breakpoint
ALTER TABLE "job_events" ADD COLUMN "attempt" integer;