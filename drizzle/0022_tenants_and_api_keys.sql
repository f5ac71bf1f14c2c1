CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"label" text,
	"admin" boolean DEFAULT false NOT NULL,
	"key_hash" text NOT NULL,
	"budget_usd" numeric,
	"budget_period" text,
	"rate_limit_submit" integer,
	"rate_limit_all" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_budget_period_ck" CHECK (budget_period is null or budget_period in ('day', 'month'))
);
--> statement-breakpoint
CREATE TABLE "api_rate_windows" (
	"tenant_id" text NOT NULL,
	"bucket" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL,
	CONSTRAINT "api_rate_windows_tenant_id_bucket_pk" PRIMARY KEY("tenant_id","bucket")
);
--> statement-breakpoint
DROP INDEX "batches_idempotency_key_uq";--> statement-breakpoint
DROP INDEX "sources_content_hash_uq";--> statement-breakpoint
ALTER TABLE "batches" ADD COLUMN "tenant_id" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "sources" ADD COLUMN "tenant_id" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_hash_uq" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_tenant_idx" ON "api_keys" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "batches_tenant_idempotency_key_uq" ON "batches" USING btree ("tenant_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "batches_tenant_created_idx" ON "batches" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "sources_tenant_content_hash_uq" ON "sources" USING btree ("tenant_id","content_hash");