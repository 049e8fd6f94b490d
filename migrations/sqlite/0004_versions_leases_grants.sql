CREATE TABLE `consumer_grants` (
	`consumer` text NOT NULL,
	`integration_id` text NOT NULL,
	`token_sha256` text NOT NULL,
	`granted_at` integer NOT NULL,
	PRIMARY KEY(`consumer`, `integration_id`)
);
--> statement-breakpoint
CREATE TABLE `consumer_rates` (
	`consumer` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `credentials` ADD `refresh_retry_at` integer;--> statement-breakpoint
ALTER TABLE `credentials` ADD `refresh_error` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `lease_token` text;--> statement-breakpoint
ALTER TABLE `integrations` ADD `credential_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Each integration starts from the highest version its current key has issued, so the next one is above it.
UPDATE `integrations` SET `credential_version` = coalesce((SELECT max(`version`) FROM `credentials` WHERE `credentials`.`credential_key` = `integrations`.`credential_key`), 0);
