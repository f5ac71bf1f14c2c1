-- Model calls are recorded as started before they are sent (finished_at null until the outcome is
-- recorded), and numbered uniquely per job. Calls recorded before this migration all finished.
ALTER TABLE "model_calls" ADD COLUMN "finished_at" timestamp with time zone;--> statement-breakpoint
UPDATE "model_calls" SET "finished_at" = "created_at";--> statement-breakpoint
-- Two holders of one job could write the same number (max(n) + 1 without a unique index):
-- renumber each job's calls in id order before the index is built.
UPDATE "model_calls" m SET "n" = r.rn
  FROM (SELECT id, row_number() OVER (PARTITION BY job_id ORDER BY id)::int AS rn FROM "model_calls") r
  WHERE m.id = r.id AND m.n <> r.rn;--> statement-breakpoint
CREATE UNIQUE INDEX "model_calls_job_n_uq" ON "model_calls" USING btree ("job_id","n");
