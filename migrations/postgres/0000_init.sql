CREATE TABLE "alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"alert_key" text NOT NULL,
	"integration_ids" jsonb NOT NULL,
	"channel" text NOT NULL,
	"message_ts" text,
	"reason" text,
	"opened_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolved_how" text,
	"snoozed_until" timestamp with time zone,
	"last_reminder_at" timestamp with time zone,
	"post_error" text,
	"post_error_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"integration_id" text,
	"action" text NOT NULL,
	"outcome" text NOT NULL,
	"fingerprint" text,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "credentials" (
	"id" serial PRIMARY KEY NOT NULL,
	"credential_key" text NOT NULL,
	"provider" text NOT NULL,
	"auth_type" text NOT NULL,
	"sealed_secret" text,
	"key_id" text,
	"binding" text,
	"fingerprints" jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"identity" jsonb,
	"scopes" jsonb,
	"expires_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone,
	"replaced_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deliveries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"integration_id" text NOT NULL,
	"sink_key" text NOT NULL,
	"type" text NOT NULL,
	"message_id" text NOT NULL,
	"credential_id" integer,
	"version" integer,
	"sealed_credential" text,
	"key_id" text,
	"data" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"needs_attention" boolean DEFAULT false NOT NULL,
	"first_failure_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "delivery_notices" (
	"id" serial PRIMARY KEY NOT NULL,
	"credential_id" integer NOT NULL,
	"integration_id" text NOT NULL,
	"channel" text,
	"message_ts" text,
	"view_id" text,
	"content" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "expiry_warnings" (
	"id" serial PRIMARY KEY NOT NULL,
	"credential_id" integer NOT NULL,
	"threshold_days" integer NOT NULL,
	"sent_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "health_states" (
	"integration_id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"reason" text,
	"since" timestamp with time zone,
	"last_checked_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"first_failure_at" timestamp with time zone,
	"next_probe_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"provider" text NOT NULL,
	"auth_type" text NOT NULL,
	"url" text NOT NULL,
	"organization" text,
	"service" text,
	"account_id" text,
	"repository" text,
	"channel" text,
	"owners" jsonb NOT NULL,
	"credential_key" text NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_states" (
	"state_hash" text PRIMARY KEY NOT NULL,
	"integration_id" text NOT NULL,
	"slack_user_id" text NOT NULL,
	"sealed_verifier" text,
	"key_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_replays" (
	"signature" text PRIMARY KEY NOT NULL,
	"seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "expiry_warnings" ADD CONSTRAINT "expiry_warnings_credential_id_credentials_id_fk" FOREIGN KEY ("credential_id") REFERENCES "public"."credentials"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "health_states" ADD CONSTRAINT "health_states_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD CONSTRAINT "oauth_states_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_one_open_per_key" ON "alerts" USING btree ("alert_key") WHERE "alerts"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "audit_log_integration" ON "audit_log" USING btree ("integration_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "credentials_one_current_per_key" ON "credentials" USING btree ("credential_key") WHERE "credentials"."replaced_at" is null;--> statement-breakpoint
CREATE INDEX "deliveries_pending" ON "deliveries" USING btree ("status","integration_id","sink_key","id");--> statement-breakpoint
CREATE INDEX "deliveries_by_sink" ON "deliveries" USING btree ("integration_id","sink_key","id");--> statement-breakpoint
CREATE INDEX "delivery_notices_credential" ON "delivery_notices" USING btree ("credential_id");--> statement-breakpoint
CREATE UNIQUE INDEX "expiry_warnings_once" ON "expiry_warnings" USING btree ("credential_id","threshold_days");