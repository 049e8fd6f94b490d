ALTER TABLE `oauth_states` ADD `refusals_audited` text;--> statement-breakpoint
ALTER TABLE `secret_forms` ADD `claimed_until` integer;--> statement-breakpoint
ALTER TABLE `secret_forms` ADD `refusals_audited` text;