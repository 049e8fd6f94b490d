CREATE TABLE `rotation_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`integration_id` text NOT NULL,
	`credential_key` text NOT NULL,
	`credential_id` integer NOT NULL,
	`version` integer NOT NULL,
	`provider` text NOT NULL,
	`token_name` text,
	`requested_by` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`outcome` text,
	`reason` text,
	`retry_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rotation_attempts_one_open_per_key` ON `rotation_attempts` (`credential_key`) WHERE "rotation_attempts"."finished_at" is null;--> statement-breakpoint
CREATE INDEX `rotation_attempts_by_integration` ON `rotation_attempts` (`integration_id`,`id`);--> statement-breakpoint
CREATE TABLE `token_revocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`integration_id` text NOT NULL,
	`credential_key` text NOT NULL,
	`token_name` text NOT NULL,
	`replaced_by_version` integer NOT NULL,
	`not_after` integer NOT NULL,
	`done_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text
);
--> statement-breakpoint
ALTER TABLE `credentials` ADD `token_name` text;