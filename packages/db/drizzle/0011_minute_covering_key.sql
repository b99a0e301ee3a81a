-- An overview of "all my ads" sums a thousand ads' minute rows (every country of each minute).
-- Rows are written minute by minute, so one ad's minutes lie on as many heap pages as it has
-- rows; with the count in the key (INCLUDE) those sums are index-only scans of adjacent entries.
-- Increments were already non-HOT updates in practice (a full page has no room for the new
-- version), so the key gets wider entries and no more writes. Drizzle's schema cannot state INCLUDE.
ALTER TABLE "click_rollups" DROP CONSTRAINT "click_rollups_ad_id_minute_country_pk";--> statement-breakpoint
ALTER TABLE "click_rollups" ADD CONSTRAINT "click_rollups_ad_id_minute_country_pk" PRIMARY KEY("ad_id","minute","country") INCLUDE ("clicks");
--> statement-breakpoint
-- An index-only scan skips the heap only on pages the visibility map marks all-visible, and only
-- vacuum sets it. By default autovacuum waits for a fifth of a table to change, which for these
-- tables means the recent hours (what dashboards read most) stay unmarked for hours. Rows stop
-- changing once their minute is final, so vacuuming every 10,000 changed rows (or 1 %) keeps all
-- but the last minutes marked; each run reads only the pages changed since the last.
ALTER TABLE "click_rollups" SET (autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "click_rollups_hourly" SET (autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0.01);--> statement-breakpoint
ALTER TABLE "ad_clicks_hourly" SET (autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0.01);
