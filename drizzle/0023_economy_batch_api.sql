CREATE TABLE "economy_answers" (
	"job_id" bigint PRIMARY KEY NOT NULL,
	"batch_id" text NOT NULL,
	"custom_id" text NOT NULL,
	"completion" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "economy_batches" (
	"batch_id" text PRIMARY KEY NOT NULL,
	"token" uuid NOT NULL,
	"input_file_id" text,
	"provider_batch_id" text,
	"provider_status" text,
	"mode" text,
	"reason" text,
	"requests" integer DEFAULT 0 NOT NULL,
	"answered" integer DEFAULT 0 NOT NULL,
	"polls" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "via" text;--> statement-breakpoint
ALTER TABLE "economy_answers" ADD CONSTRAINT "economy_answers_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "economy_batches" ADD CONSTRAINT "economy_batches_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "economy_answers_batch_idx" ON "economy_answers" USING btree ("batch_id");