CREATE TABLE "consumer_grants" (
	"consumer" text NOT NULL,
	"integration_id" text NOT NULL,
	"token_sha256" text NOT NULL,
	"granted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "consumer_grants_consumer_integration_id_pk" PRIMARY KEY("consumer","integration_id")
);
--> statement-breakpoint
CREATE TABLE "consumer_rates" (
	"consumer" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credentials" ADD COLUMN "refresh_retry_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credentials" ADD COLUMN "refresh_error" text;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "lease_token" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "credential_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Each integration starts from the highest version its current key has issued, so the next one is above it.
UPDATE "integrations" SET "credential_version" = coalesce((SELECT max("version") FROM "credentials" WHERE "credentials"."credential_key" = "integrations"."credential_key"), 0);
