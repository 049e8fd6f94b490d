CREATE TABLE `credential_locks` (
	`credential_key` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `rotation_attempts` ADD `sealed_answer` text;--> statement-breakpoint
ALTER TABLE `rotation_attempts` ADD `answer_key_id` text;--> statement-breakpoint
ALTER TABLE `rotation_attempts` ADD `answer_expires_at` integer;