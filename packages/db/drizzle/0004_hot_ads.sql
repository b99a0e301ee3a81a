CREATE TABLE "hot_ads" (
	"minute" timestamp with time zone NOT NULL,
	"ad_id" text NOT NULL,
	"slots" integer NOT NULL,
	"decided_by" timestamp with time zone NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "hot_ads_minute_ad_id_pk" PRIMARY KEY("minute","ad_id")
);
