CREATE TABLE "batch_spend" (
	"batch_id" text PRIMARY KEY NOT NULL,
	"max_tokens" bigint,
	"max_usd" numeric(20, 10),
	"spent_tokens" bigint DEFAULT 0 NOT NULL,
	"spent_usd" numeric(20, 10) DEFAULT '0' NOT NULL,
	"reserved_tokens" bigint DEFAULT 0 NOT NULL,
	"reserved_usd" numeric(20, 10) DEFAULT '0' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_budgets" (
	"tenant" text PRIMARY KEY NOT NULL,
	"usd" numeric(20, 10) NOT NULL,
	"per" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_spend" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant" text NOT NULL,
	"per" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"spent_tokens" bigint DEFAULT 0 NOT NULL,
	"spent_usd" numeric(20, 10) DEFAULT '0' NOT NULL,
	"reserved_tokens" bigint DEFAULT 0 NOT NULL,
	"reserved_usd" numeric(20, 10) DEFAULT '0' NOT NULL,
	"calls" integer DEFAULT 0 NOT NULL,
	"unpriced_calls" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "cached_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "reasoning_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "cost_usd" numeric(20, 10);--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "reserved_tokens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "reserved_usd" numeric(20, 10) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "spend_ledger" bigint;--> statement-breakpoint
ALTER TABLE "batch_spend" ADD CONSTRAINT "batch_spend_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_spend_period_uq" ON "tenant_spend" USING btree ("tenant","per","period_start");