// The dead-letter consumer: ad-clicks-dlq into the queryable dead_letters table (reason,
// source, first seen, bounded payload), exactly once through its stored checkpoint.
import { type ArchiveConsumerOptions, type RunningConsumer, runCheckpointedConsumer } from "./checkpointed-consumer";
import { toDeadLetterColumns } from "./dead-letter-rows";

export const DEAD_LETTER_ARCHIVE = "dead-letter-archive";

const INSERT_DEAD_LETTERS = `
  insert into dead_letters (reason, source, detail, payload, kafka_partition, kafka_offset, first_seen)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::timestamptz[])`;

export interface DeadLetterArchiveOptions extends ArchiveConsumerOptions {
  maxPayload: number;
}

export function startDeadLetterArchive(opts: DeadLetterArchiveOptions): Promise<RunningConsumer> {
  return runCheckpointedConsumer({
    kafka: opts.kafka,
    pool: opts.pool,
    logger: opts.logger,
    name: DEAD_LETTER_ARCHIVE,
    topic: opts.topic,
    onBatch: opts.onBatch,
    write: async (client, messages) => {
      const c = toDeadLetterColumns(messages, { maxPayload: opts.maxPayload, nowMs: Date.now() });
      const r = await client.query(INSERT_DEAD_LETTERS, [
        c.reason,
        c.source,
        c.detail,
        c.payload,
        c.kafkaPartition,
        c.kafkaOffset,
        c.firstSeen,
      ]);
      return { written: r.rowCount ?? 0 };
    },
  });
}
