-- The top N over hours sums 25 hours of a thousand candidates' hourly rows. The keys now carry
-- the count (INCLUDE), so those sums are index-only scans, and click_rollups_hourly's key puts
-- the country before the hour, so one country's hours of an ad are adjacent entries. Every
-- increment was already a non-HOT update (the top indexes hold the count): wider entries, no
-- more index writes. Drizzle's schema cannot state INCLUDE.
ALTER TABLE "click_rollups_hourly" DROP CONSTRAINT "click_rollups_hourly_ad_id_hour_country_pk";--> statement-breakpoint
ALTER TABLE "click_rollups_hourly" ADD CONSTRAINT "click_rollups_hourly_ad_id_country_hour_pk" PRIMARY KEY("ad_id","country","hour") INCLUDE ("clicks");--> statement-breakpoint
ALTER TABLE "ad_clicks_hourly" DROP CONSTRAINT "ad_clicks_hourly_ad_id_hour_pk";--> statement-breakpoint
ALTER TABLE "ad_clicks_hourly" ADD CONSTRAINT "ad_clicks_hourly_ad_id_hour_pk" PRIMARY KEY("ad_id","hour") INCLUDE ("clicks");
