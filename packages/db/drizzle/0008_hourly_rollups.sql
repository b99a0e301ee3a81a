CREATE TABLE "ad_clicks_hourly" (
	"ad_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "ad_clicks_hourly_ad_id_hour_pk" PRIMARY KEY("ad_id","hour")
);
--> statement-breakpoint
CREATE TABLE "click_rollups_hourly" (
	"ad_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"country" text NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "click_rollups_hourly_ad_id_hour_country_pk" PRIMARY KEY("ad_id","hour","country")
);
--> statement-breakpoint
-- Backfill from the minute rollups; writers wait (SHARE lock) so no increment falls between.
LOCK TABLE "click_rollups" IN SHARE MODE;--> statement-breakpoint
INSERT INTO "click_rollups_hourly" ("ad_id", "hour", "country", "clicks")
SELECT "ad_id", date_trunc('hour', "minute", 'UTC'), "country", sum("clicks")
  FROM "click_rollups" GROUP BY 1, 2, 3;--> statement-breakpoint
INSERT INTO "ad_clicks_hourly" ("ad_id", "hour", "clicks")
SELECT "ad_id", "hour", sum("clicks") FROM "click_rollups_hourly" GROUP BY 1, 2;--> statement-breakpoint
CREATE INDEX "ad_clicks_hourly_top_idx" ON "ad_clicks_hourly" USING btree ("hour","clicks" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "click_rollups_hourly_top_idx" ON "click_rollups_hourly" USING btree ("hour","country","clicks" DESC NULLS LAST);