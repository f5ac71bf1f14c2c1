ALTER TABLE "model_calls" ADD COLUMN "epoch" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "counted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "model" text;--> statement-breakpoint
ALTER TABLE "model_calls" ADD COLUMN "state" jsonb;