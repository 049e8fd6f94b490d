CREATE TABLE `pending_credentials` (
	`ref_hash` text PRIMARY KEY NOT NULL,
	`integration_id` text NOT NULL,
	`slack_user_id` text NOT NULL,
	`bound_to` text NOT NULL,
	`sealed` text,
	`key_id` text,
	`replaces_credential_id` integer NOT NULL,
	`accounts` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`integration_id`) REFERENCES `integrations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `secret_forms` (
	`link_hash` text PRIMARY KEY NOT NULL,
	`integration_id` text NOT NULL,
	`slack_user_id` text NOT NULL,
	`requested_by_name` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`browser_hash` text,
	`opened_at` integer,
	`used_at` integer,
	FOREIGN KEY (`integration_id`) REFERENCES `integrations`(`id`) ON UPDATE no action ON DELETE no action
);
