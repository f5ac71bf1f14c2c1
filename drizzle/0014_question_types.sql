ALTER TABLE "questions" ALTER COLUMN "correct_answer" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "type" text;--> statement-breakpoint
ALTER TABLE "questions" ADD COLUMN "correct_answers" jsonb;