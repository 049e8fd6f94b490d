ALTER TABLE "oauth_states" ADD COLUMN "refusals_audited" text;--> statement-breakpoint
ALTER TABLE "secret_forms" ADD COLUMN "claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "secret_forms" ADD COLUMN "refusals_audited" text;