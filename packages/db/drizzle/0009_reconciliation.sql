CREATE TABLE "recon_mismatches" (
	"run_id" bigint NOT NULL,
	"ad_id" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"country" text NOT NULL,
	"expected" bigint NOT NULL,
	"actual" bigint NOT NULL,
	CONSTRAINT "recon_mismatches_run_id_ad_id_minute_country_pk" PRIMARY KEY("run_id","ad_id","minute","country")
);
--> statement-breakpoint
CREATE TABLE "recon_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"trigger" text NOT NULL,
	"range_from" timestamp with time zone NOT NULL,
	"range_to" timestamp with time zone NOT NULL,
	"ad_ids" text[],
	"status" text DEFAULT 'requested' NOT NULL,
	"phase" text,
	"progress" real DEFAULT 0 NOT NULL,
	"end_offsets" jsonb,
	"records" bigint,
	"cells" bigint,
	"mismatches" bigint,
	"corrected" bigint,
	"error" text,
	"owner" text,
	"heartbeat_at" timestamp with time zone,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "recon_mismatches" ADD CONSTRAINT "recon_mismatches_run_id_recon_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."recon_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "recon_runs_status_idx" ON "recon_runs" USING btree ("status");--> statement-breakpoint
CREATE INDEX "recon_runs_range_idx" ON "recon_runs" USING btree ("kind","range_to");