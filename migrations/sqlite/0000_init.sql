CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alert_key` text NOT NULL,
	`integration_ids` text NOT NULL,
	`channel` text NOT NULL,
	`message_ts` text,
	`reason` text,
	`opened_at` integer NOT NULL,
	`resolved_at` integer,
	`resolved_by` text,
	`resolved_how` text,
	`snoozed_until` integer,
	`last_reminder_at` integer,
	`post_error` text,
	`post_error_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_one_open_per_key` ON `alerts` (`alert_key`) WHERE "alerts"."resolved_at" is null;--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`integration_id` text,
	`action` text NOT NULL,
	`outcome` text NOT NULL,
	`fingerprint` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_integration` ON `audit_log` (`integration_id`,`at`);--> statement-breakpoint
CREATE TABLE `credentials` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`credential_key` text NOT NULL,
	`provider` text NOT NULL,
	`auth_type` text NOT NULL,
	`sealed_secret` text,
	`key_id` text,
	`fingerprints` text NOT NULL,
	`identity` text,
	`scopes` text,
	`expires_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`replaced_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credentials_one_current_per_key` ON `credentials` (`credential_key`) WHERE "credentials"."replaced_at" is null;--> statement-breakpoint
CREATE TABLE `expiry_warnings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`credential_id` integer NOT NULL,
	`threshold_days` integer NOT NULL,
	`sent_at` integer NOT NULL,
	FOREIGN KEY (`credential_id`) REFERENCES `credentials`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `expiry_warnings_once` ON `expiry_warnings` (`credential_id`,`threshold_days`);--> statement-breakpoint
CREATE TABLE `health_states` (
	`integration_id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`outcome` text,
	`reason` text,
	`since` integer,
	`last_checked_at` integer,
	`last_success_at` integer,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`first_failure_at` integer,
	`next_probe_at` integer,
	FOREIGN KEY (`integration_id`) REFERENCES `integrations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`provider` text NOT NULL,
	`auth_type` text NOT NULL,
	`url` text NOT NULL,
	`organization` text,
	`service` text,
	`account_id` text,
	`repository` text,
	`channel` text,
	`owners` text NOT NULL,
	`credential_key` text NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `oauth_states` (
	`state_hash` text PRIMARY KEY NOT NULL,
	`integration_id` text NOT NULL,
	`slack_user_id` text NOT NULL,
	`sealed_verifier` text,
	`key_id` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`integration_id`) REFERENCES `integrations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `webhook_replays` (
	`signature` text PRIMARY KEY NOT NULL,
	`seen_at` integer NOT NULL
);
