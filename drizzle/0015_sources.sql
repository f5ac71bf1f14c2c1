CREATE TABLE "sources" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"kind" text NOT NULL,
	"content_hash" text NOT NULL,
	"chars" integer NOT NULL,
	"sections" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "sources_content_hash_uq" ON "sources" USING btree ("content_hash");--> statement-breakpoint
CREATE INDEX "sources_created_idx" ON "sources" USING btree ("created_at","id");