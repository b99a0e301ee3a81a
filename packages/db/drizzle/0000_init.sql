CREATE TABLE "click_rollups" (
	"ad_id" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"country" text NOT NULL,
	"clicks" bigint NOT NULL,
	CONSTRAINT "click_rollups_ad_id_minute_country_pk" PRIMARY KEY("ad_id","minute","country")
);
--> statement-breakpoint
CREATE TABLE "consumer_checkpoints" (
	"consumer" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"next_offset" bigint NOT NULL,
	"seq" bigint NOT NULL,
	"max_event_ms" bigint NOT NULL,
	"dedup_from_offset" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consumer_checkpoints_consumer_topic_partition_pk" PRIMARY KEY("consumer","topic","partition")
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"source" text NOT NULL,
	"detail" text,
	"payload" text NOT NULL,
	"kafka_partition" integer,
	"kafka_offset" bigint,
	"first_seen" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "late_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ad_id" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"country" text NOT NULL,
	"clicks" bigint NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "minute_status" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"final_at" timestamp with time zone,
	"late_clicks" bigint DEFAULT 0 NOT NULL,
	"published_at" timestamp with time zone,
	"needs_republish" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "raw_clicks" (
	"ts" timestamp with time zone NOT NULL,
	"event_id" text NOT NULL,
	"ad_id" text NOT NULL,
	"user_id" text NOT NULL,
	"ip" text NOT NULL,
	"country" text NOT NULL,
	CONSTRAINT "raw_clicks_ts_event_id_pk" PRIMARY KEY("ts","event_id")
) PARTITION BY RANGE ("ts");
--> statement-breakpoint
CREATE TABLE "redis_outbox" (
	"consumer" text NOT NULL,
	"partition" integer NOT NULL,
	"seq" bigint NOT NULL,
	"deltas" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "redis_outbox_consumer_partition_seq_pk" PRIMARY KEY("consumer","partition","seq")
);
--> statement-breakpoint
CREATE INDEX "click_rollups_minute_idx" ON "click_rollups" USING btree ("minute");--> statement-breakpoint
CREATE INDEX "dead_letters_first_seen_idx" ON "dead_letters" USING btree ("first_seen");--> statement-breakpoint
CREATE INDEX "dead_letters_reason_idx" ON "dead_letters" USING btree ("reason");--> statement-breakpoint
CREATE INDEX "late_events_recorded_idx" ON "late_events" USING btree ("recorded_at");--> statement-breakpoint
CREATE INDEX "raw_clicks_ad_ts_idx" ON "raw_clicks" USING btree ("ad_id","ts");--> statement-breakpoint
CREATE INDEX "raw_clicks_user_ts_idx" ON "raw_clicks" USING btree ("user_id","ts");--> statement-breakpoint
CREATE INDEX "raw_clicks_ip_ts_idx" ON "raw_clicks" USING btree ("ip","ts");