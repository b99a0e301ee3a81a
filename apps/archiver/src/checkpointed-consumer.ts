// Exactly-once consumption into Postgres (Kafka's "offsets outside Kafka" recipe): each batch's
// rows and the partition's next offset are written in one transaction, the consumer seeks to
// the stored offsets when partitions are assigned, and messages below the stored offset are
// skipped. Committing to Kafka afterwards is only a hint for lag monitoring.
import type { Consumer, Kafka, KafkaMessage } from "@adclicks/kafka";
import type pg from "pg";
import type { Logger } from "pino";

export interface BatchResult {
  /** Rows actually written (duplicates not counted). */
  written: number;
  /** Messages not written, by reason. */
  skipped?: Record<string, number>;
  /** Max event time in the batch (ms), stored with the checkpoint. */
  maxEventMs?: number;
}

export interface CheckpointedConsumerOptions {
  kafka: Kafka;
  pool: pg.Pool;
  logger: Logger;
  /** The checkpoint name (consumer_checkpoints.consumer) and the Kafka group id. */
  name: string;
  topic: string;
  /** Work outside the transaction before it (e.g. creating partitions). */
  prepare?(messages: KafkaMessage[], partition: number): Promise<unknown>;
  /** Writes the batch with `client`, inside the transaction that also stores the checkpoint. */
  write(client: pg.PoolClient, messages: KafkaMessage[], partition: number, prepared: unknown): Promise<BatchResult>;
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  onBatch?(report: BatchReport): void;
}

/** What `onBatch` hears after each committed batch (for metrics). */
export type BatchReport = BatchResult & { partition: number; nextOffset: string; seconds: number };

/** The options an archive consumer passes through unchanged; it adds its own name and writer. */
export type ArchiveConsumerOptions = Pick<
  CheckpointedConsumerOptions,
  "kafka" | "pool" | "logger" | "topic" | "onBatch"
>;

export interface RunningConsumer {
  consumer: Consumer;
  /** Next offset stored per partition this process owns. */
  positions(): ReadonlyMap<number, bigint>;
  stop(): Promise<void>;
}

const UPSERT_CHECKPOINT = `
  insert into consumer_checkpoints (consumer, topic, partition, next_offset, seq, max_event_ms, dedup_from_offset, updated_at)
  values ($1, $2, $3, $4, 1, $5, $4, now())
  on conflict (consumer, topic, partition) do update
     set next_offset = excluded.next_offset,
         seq = consumer_checkpoints.seq + 1,
         max_event_ms = greatest(consumer_checkpoints.max_event_ms, excluded.max_event_ms),
         dedup_from_offset = excluded.next_offset,
         updated_at = now()
   -- a consumer that lost its partition in a rebalance must not move the checkpoint back
   where consumer_checkpoints.next_offset <= excluded.next_offset`;

export async function loadPositions(pool: pg.Pool, name: string, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    "select partition, next_offset::text as next_offset from consumer_checkpoints where consumer = $1 and topic = $2",
    [name, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

export async function runCheckpointedConsumer(opts: CheckpointedConsumerOptions): Promise<RunningConsumer> {
  const { kafka, pool, logger, name, topic } = opts;
  const consumer = kafka.consumer({
    groupId: name,
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxWaitTimeInMs: 500,
    // A killed archiver's partitions move to a live one after this long (Kafka's default is 45 s).
    sessionTimeout: opts.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: 1_000,
  });
  const positions = new Map<number, bigint>();

  // On (re)assignment, go to where Postgres says we are, not where Kafka's commit says.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    positions.clear();
    const assigned = payload.memberAssignment[topic] ?? [];
    loadPositions(pool, name, topic).then(
      (stored) => {
        for (const p of assigned) {
          const next = stored.get(p);
          if (next === undefined) continue;
          if (!positions.has(p)) positions.set(p, next);
          consumer.seek({ topic, partition: p, offset: next.toString() });
        }
        logger.info({ consumer: name, assigned }, "partitions assigned; sought to stored checkpoints");
      },
      (err) => logger.error({ err, consumer: name }, "could not load checkpoints on assignment (batches load them)"),
    );
  });

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 1,
    eachBatch: async ({ batch, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const started = process.hrtime.bigint();
      const partition = batch.partition;
      let next = positions.get(partition);
      if (next === undefined) {
        next = (await loadPositions(pool, name, topic)).get(partition);
        if (next !== undefined) positions.set(partition, next);
      }
      // Below the stored offset means already written (a seek not yet applied, or a replay).
      const from = next;
      const messages = from === undefined ? batch.messages : batch.messages.filter((m) => BigInt(m.offset) >= from);
      if (messages.length === 0) return;
      const nextOffset = BigInt(messages[messages.length - 1]!.offset) + 1n;
      const prepared = await opts.prepare?.(messages, partition);

      const client = await pool.connect();
      let result: BatchResult;
      try {
        await client.query("begin");
        result = await opts.write(client, messages, partition, prepared);
        await client.query(UPSERT_CHECKPOINT, [name, topic, partition, nextOffset.toString(), result.maxEventMs ?? 0]);
        await client.query("commit");
      } catch (err) {
        // A failed rollback must not hide the error rethrown below.
        await client.query("rollback").catch(() => {});
        throw err; // kafkajs retries the batch (from the same offset) with backoff
      } finally {
        client.release();
      }
      positions.set(partition, nextOffset);
      // The hint for lag dashboards; losing it costs nothing but a re-read that is skipped.
      commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: nextOffset.toString() }] }],
      }).catch(() => {});
      await heartbeat();
      opts.onBatch?.({
        ...result,
        partition,
        nextOffset: nextOffset.toString(),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    },
  });

  return {
    consumer,
    positions: () => positions,
    stop: () => consumer.disconnect(),
  };
}
