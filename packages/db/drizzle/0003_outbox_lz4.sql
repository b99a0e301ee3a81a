-- Outbox rows become lz4-compressed bytes. Rows written before this migration keep their flat
-- JSON text (as UTF-8 bytes, starting with '['); the worker still reads that format.
ALTER TABLE "redis_outbox" ALTER COLUMN "deltas" SET DATA TYPE bytea USING convert_to("deltas", 'UTF8');--> statement-breakpoint
ALTER TABLE "redis_outbox" ALTER COLUMN "deltas" SET STORAGE EXTERNAL;
