CREATE TABLE "catalog_misses" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"late_clicks_seen" bigint NOT NULL,
	"ad_ids" text[] NOT NULL,
	"clicks" bigint[] NOT NULL,
	"tallied_at" timestamp with time zone DEFAULT now() NOT NULL
);
