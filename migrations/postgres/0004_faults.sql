ALTER TABLE "rotation_attempts" ADD COLUMN "sealed_answer" text;--> statement-breakpoint
ALTER TABLE "rotation_attempts" ADD COLUMN "answer_key_id" text;--> statement-breakpoint
ALTER TABLE "rotation_attempts" ADD COLUMN "answer_expires_at" timestamp with time zone;