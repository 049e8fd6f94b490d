CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`integration_id` text NOT NULL,
	`sink_key` text NOT NULL,
	`type` text NOT NULL,
	`message_id` text NOT NULL,
	`credential_id` integer,
	`version` integer,
	`sealed_credential` text,
	`key_id` text,
	`data` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_until` integer,
	`last_error` text,
	`needs_attention` integer DEFAULT false NOT NULL,
	`first_failure_at` integer,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE INDEX `deliveries_pending` ON `deliveries` (`status`,`integration_id`,`sink_key`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_by_sink` ON `deliveries` (`integration_id`,`sink_key`,`id`);--> statement-breakpoint
CREATE TABLE `delivery_notices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`credential_id` integer NOT NULL,
	`integration_id` text NOT NULL,
	`channel` text,
	`message_ts` text,
	`view_id` text,
	`content` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `delivery_notices_credential` ON `delivery_notices` (`credential_id`);--> statement-breakpoint
ALTER TABLE `credentials` ADD `version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `credentials` ADD `updated_at` integer;--> statement-breakpoint
-- Credentials stored before versions existed are numbered in the order they were stored, per key.
UPDATE `credentials` SET `version` = (SELECT count(*) FROM `credentials` AS `earlier` WHERE `earlier`.`credential_key` = `credentials`.`credential_key` AND `earlier`.`id` <= `credentials`.`id`);
