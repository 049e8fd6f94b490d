CREATE TABLE "rotation_attempts" (
	"id" serial PRIMARY KEY NOT NULL,
	"integration_id" text NOT NULL,
	"credential_key" text NOT NULL,
	"credential_id" integer NOT NULL,
	"version" integer NOT NULL,
	"provider" text NOT NULL,
	"token_name" text,
	"requested_by" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text,
	"reason" text,
	"retry_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "token_revocations" (
	"id" serial PRIMARY KEY NOT NULL,
	"integration_id" text NOT NULL,
	"credential_key" text NOT NULL,
	"token_name" text NOT NULL,
	"replaced_by_version" integer NOT NULL,
	"not_after" timestamp with time zone NOT NULL,
	"done_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
ALTER TABLE "credentials" ADD COLUMN "token_name" text;--> statement-breakpoint
CREATE UNIQUE INDEX "rotation_attempts_one_open_per_key" ON "rotation_attempts" USING btree ("credential_key") WHERE "rotation_attempts"."finished_at" is null;--> statement-breakpoint
CREATE INDEX "rotation_attempts_by_integration" ON "rotation_attempts" USING btree ("integration_id","id");