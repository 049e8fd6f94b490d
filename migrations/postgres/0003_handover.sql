CREATE TABLE "pending_credentials" (
	"ref_hash" text PRIMARY KEY NOT NULL,
	"integration_id" text NOT NULL,
	"slack_user_id" text NOT NULL,
	"bound_to" text NOT NULL,
	"sealed" text,
	"key_id" text,
	"replaces_credential_id" integer NOT NULL,
	"accounts" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "secret_forms" (
	"link_hash" text PRIMARY KEY NOT NULL,
	"integration_id" text NOT NULL,
	"slack_user_id" text NOT NULL,
	"requested_by_name" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"browser_hash" text,
	"opened_at" timestamp with time zone,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "pending_credentials" ADD CONSTRAINT "pending_credentials_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "secret_forms" ADD CONSTRAINT "secret_forms_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE no action ON UPDATE no action;