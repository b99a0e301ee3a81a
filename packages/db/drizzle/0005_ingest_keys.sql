ALTER TABLE "api_keys" ADD COLUMN "kind" text DEFAULT 'partner' NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "events_per_second" integer;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_kind_check" CHECK ("api_keys"."kind" in ('partner', 'ingest'));--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_ingest_limit_check" CHECK (("api_keys"."kind" = 'ingest') = ("api_keys"."events_per_second" is not null) and coalesce("api_keys"."events_per_second", 1) > 0);