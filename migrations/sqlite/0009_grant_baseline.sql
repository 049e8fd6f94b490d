CREATE TABLE `store_markers` (
	`name` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
