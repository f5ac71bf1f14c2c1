CREATE TABLE "job_dependencies" (
	"job_id" bigint NOT NULL,
	"parent_id" bigint NOT NULL,
	CONSTRAINT "job_dependencies_job_id_parent_id_pk" PRIMARY KEY("job_id","parent_id")
);
--> statement-breakpoint
CREATE TABLE "job_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" bigint,
	"group_id" text,
	"type" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"state" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 5 NOT NULL,
	"lease_token" uuid,
	"lease_expires_at" timestamp with time zone,
	"locked_by" text,
	"pending_parents" integer DEFAULT 0 NOT NULL,
	"group_id" text,
	"idempotency_key" text,
	"last_error" jsonb,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"dead_reason" text,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "jobs_state_ck" CHECK (state in ('waiting','ready','running','succeeded','dead','blocked','discarded')),
	CONSTRAINT "jobs_attempts_ck" CHECK (max_attempts >= 1 and attempt >= 0)
);
--> statement-breakpoint
CREATE TABLE "batches" (
	"id" text PRIMARY KEY NOT NULL,
	"request" jsonb NOT NULL,
	"request_hash" text NOT NULL,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" bigint NOT NULL,
	"batch_id" text,
	"job_attempt" integer NOT NULL,
	"n" integer NOT NULL,
	"kind" text NOT NULL,
	"prompt_version" text NOT NULL,
	"messages" jsonb NOT NULL,
	"raw_output" text,
	"finish_reason" text,
	"issues" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"normalisations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"latency_ms" integer DEFAULT 0 NOT NULL,
	"error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "questions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" text NOT NULL,
	"position" integer NOT NULL,
	"question" text NOT NULL,
	"options" jsonb NOT NULL,
	"correct_answer" integer NOT NULL,
	"explanation" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "job_dependencies" ADD CONSTRAINT "job_dependencies_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_dependencies" ADD CONSTRAINT "job_dependencies_parent_id_jobs_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "questions" ADD CONSTRAINT "questions_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_dependencies_parent_idx" ON "job_dependencies" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "job_events_created_idx" ON "job_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "job_events_group_idx" ON "job_events" USING btree ("group_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_queue_idempotency_key_uq" ON "jobs" USING btree ("queue","idempotency_key");--> statement-breakpoint
CREATE INDEX "jobs_ready_idx" ON "jobs" USING btree ("priority","run_at","id") WHERE state = 'ready';--> statement-breakpoint
CREATE INDEX "jobs_running_lease_idx" ON "jobs" USING btree ("lease_expires_at") WHERE state = 'running';--> statement-breakpoint
CREATE INDEX "jobs_dead_idx" ON "jobs" USING btree ("finished_at","id") WHERE state = 'dead';--> statement-breakpoint
CREATE INDEX "jobs_group_idx" ON "jobs" USING btree ("group_id");--> statement-breakpoint
CREATE UNIQUE INDEX "batches_idempotency_key_uq" ON "batches" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "batches_created_idx" ON "batches" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "model_calls_job_idx" ON "model_calls" USING btree ("job_id","id");--> statement-breakpoint
CREATE INDEX "model_calls_batch_idx" ON "model_calls" USING btree ("batch_id");--> statement-breakpoint
CREATE UNIQUE INDEX "questions_batch_position_uq" ON "questions" USING btree ("batch_id","position");