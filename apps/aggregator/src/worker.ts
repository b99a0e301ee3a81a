// The aggregator worker: a Kafka consumer-group member wired to the units that do the work —
// read positions, the batch counter (over the pure operator of @adclicks/core), the checkpoint
// scheduler and writer, the Redis mirror, the final-minute publisher. One state change at a time.
import { type AggregatorOptions, ClickAggregator } from "@adclicks/core";
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Message,
  offsetOf,
  type Producer,
  splitByBytes,
  type TopicNames,
} from "@adclicks/kafka";
import type { Logger } from "pino";
import { BatchCounter } from "./batch-counter";
import { CheckpointScheduler } from "./checkpoint-scheduler";
import { CheckpointWriter, type StoredCheckpoint } from "./checkpoint-writer";
import type { Clock } from "./clock";
import { FinalMinutePublisher } from "./final-minute-publisher";
import type { AggregatorMetrics } from "./metrics";
import type { WorkerPorts } from "./ports";
import { ReadPositions, resumeWithinLog } from "./read-position";
import { RedisMirror } from "./redis-mirror";
import { createRetry, type Retry } from "./retry";
import { createSerialQueue } from "./serial-queue";

/** Records received from kafkajs and not counted yet past which it waits before fetching more. */
const MAX_QUEUED_MESSAGES = 20_000;

export interface WorkerConfig {
  /** The group's consumer (autoCommit off: Postgres holds the offsets). */
  consumer: Consumer;
  /** An idempotent producer (dead letters and final minutes). */
  producer: Producer;
  admin: Admin;
  topics: TopicNames;
  group: string;
  ports: WorkerPorts;
  clock: Clock;
  metrics: AggregatorMetrics;
  checkpointIntervalMs: number;
  publishTopN: number;
  operator: AggregatorOptions;
  log: Logger;
}

export class AggregatorWorker {
  private readonly op: ClickAggregator;
  private readonly positions = new ReadPositions();
  private readonly counter: BatchCounter;
  private readonly scheduler: CheckpointScheduler;
  private readonly mirror: RedisMirror;
  private readonly publisher: FinalMinutePublisher;
  private readonly retry: Retry;
  // Serializes batches, checkpoints, assignments and shutdown.
  private readonly exclusive = createSerialQueue();
  // Dead letters and published minutes share the idempotent producer: one send at a time (a
  // second request could take over the sequence numbers of a failed first one).
  private readonly sendQueue = createSerialQueue();
  private queuedMessages = 0;
  private stopping = false;

  constructor(private readonly cfg: WorkerConfig) {
    const { clock, log, metrics, ports } = cfg;
    const stopping = () => this.stopping;
    this.op = new ClickAggregator(cfg.operator);
    const shared = { stopping, metrics, log };
    this.retry = createRetry(shared);
    const isReading = (p: number) => this.positions.isReading(p);
    this.counter = new BatchCounter({ ...shared, op: this.op, topic: cfg.topics.clicks, isReading });
    this.mirror = new RedisMirror({
      ...shared,
      live: ports.live,
      outbox: ports.outbox,
      committedSeq: (p) => this.op.committedSeq(p),
      owns: (p) => this.op.owned().includes(p),
      now: () => clock.now(),
    });
    this.publisher = new FinalMinutePublisher({
      ...shared,
      minutes: ports.finalMinutes,
      send: (messages) => this.send(cfg.topics.counts, messages),
      topN: cfg.publishTopN,
    });
    const writer = new CheckpointWriter({
      ...shared,
      clock,
      op: this.op,
      store: ports.checkpoints,
      mirror: this.mirror,
      publisher: this.publisher,
      takeDeadLetters: () => this.counter.takeDeadLetters(),
      takeIngestTimes: () => this.counter.takeIngestTimes(),
      sendDeadLetters: (messages) => this.send(cfg.topics.deadLetters, messages),
      commitOffsetsHint: (offsets) =>
        // A failed hint is safe to drop: lag tools get newer offsets with the next checkpoint.
        this.cfg.consumer.commitOffsets(offsets.map((o) => ({ topic: cfg.topics.clicks, ...o }))).catch(() => {}),
      forget: (p) => this.forget(p),
      retry: this.retry,
    });
    this.scheduler = new CheckpointScheduler({
      ...shared,
      clock,
      intervalMs: cfg.checkpointIntervalMs,
      unplannedClicks: () => this.op.unplannedClicks(),
      write: () => writer.write(),
      onWriteFailed: (err) => {
        // The plan's counts are gone with it: every partition restarts from its stored checkpoint.
        log.error({ err }, "checkpoint write failed; re-reading from the stored checkpoints");
        for (const p of this.op.owned()) this.forget(p);
      },
      exclusive: this.exclusive,
    });
  }

  async start(): Promise<void> {
    const { consumer, topics, log } = this.cfg;
    await this.cfg.producer.connect();
    await this.cfg.admin.connect();
    await this.mirror.ensureReady();
    await consumer.connect();
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const parts = e.payload.memberAssignment[topics.clicks] ?? [];
      this.exclusive(() => this.onAssignment(parts)).catch((err) => log.error({ err }, "assignment failed"));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      log.error({ err: e.payload.error, restart: e.payload.restart }, "kafka consumer crashed");
    });
    await consumer.subscribe({ topic: topics.clicks, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.enqueueBatch(payload),
    });
    this.scheduler.start();
    log.info({ group: this.cfg.group, topic: topics.clicks }, "aggregator started");
  }

  /** Graceful stop: no more fetching, a final checkpoint, leave the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { consumer, producer, admin, log } = this.cfg;
    const quietly = (what: string) => (err: unknown) => log.warn({ err }, `${what} failed while stopping`);
    this.scheduler.stop();
    await consumer.stop().catch(quietly("stopping the consumer"));
    await this.scheduler.final().catch((err) => log.error({ err }, "final checkpoint failed"));
    await this.mirror.drained();
    await this.publisher.drained();
    await consumer.disconnect().catch(quietly("disconnecting the consumer"));
    await producer.disconnect().catch(quietly("disconnecting the producer"));
    await admin.disconnect().catch(quietly("disconnecting the admin client"));
    log.info("aggregator stopped");
  }

  /**
   * Takes a batch from kafkajs and counts it in the background: kafkajs fetches the next only once
   * eachBatch returns, so waiting here would leave the worker idle for every fetch. Its position
   * moves past the batch at once; ours moves as batches are counted, and batches from before one
   * of our seeks are dropped by their ticket.
   */
  private async enqueueBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const last = batch.messages.at(-1)?.offset;
    if (last !== undefined) payload.resolveOffset(last);
    const ticket = this.positions.ticket(batch.partition, payload.isStale());
    const n = batch.messages.length;
    this.queuedMessages += n;
    const run = this.exclusive(() => this.onBatch(payload, ticket)).finally(() => {
      this.queuedMessages -= n;
    });
    if (this.queuedMessages > MAX_QUEUED_MESSAGES) await run;
    else run.catch((err) => this.cfg.log.error({ err, partition: batch.partition }, "batch failed"));
  }

  private async onBatch({ batch, heartbeat, isStale }: EachBatchPayload, ticket: number): Promise<void> {
    if (this.stopping) return;
    const p = batch.partition;
    const first = batch.messages[0];
    const d = this.positions.decide(p, ticket, first && offsetOf(first), isStale());
    if (d.kind === "take-over") {
      // A batch before (or instead of) the assignment event: take the partition over now.
      this.takeOver(p, (await this.resumePoints()).get(p));
      return;
    }
    if (d.kind === "reseek") this.seek(p, d.offset);
    if (d.kind !== "accept") return;
    if (d.gap) this.cfg.log.info({ partition: p, ...d.gap }, "offsets absent from the log skipped");
    const next = await this.counter.count(p, batch.messages, d.from, this.cfg.clock.now());
    // Revoked or fenced meanwhile (a checkpoint write failed): its takeover re-reads it.
    if (next === undefined) return;
    this.positions.advance(p, next);
    this.cfg.metrics.consumerLag.set({ partition: String(p) }, Math.max(0, Number(batch.highWatermark) - next));
    await this.scheduler.afterBatch();
    await heartbeat();
  }

  /**
   * Takes over newly assigned partitions at once, not at their first batch: a partition already
   * read to its end brings no batch, yet its dedup state, watermark and a previous owner's
   * unapplied Redis checkpoints are ours now.
   */
  private async onAssignment(partitions: number[]): Promise<void> {
    const assigned = new Set(partitions);
    this.cfg.metrics.partitionsOwned.set(assigned.size);
    for (const p of this.op.owned()) {
      if (!assigned.has(p)) {
        // Uncheckpointed counts are dropped: the new owner re-reads them from the stored offset.
        this.forget(p);
        this.cfg.metrics.consumerLag.remove(String(p));
      }
    }
    const fresh = partitions.filter((p) => !this.positions.isReading(p));
    if (fresh.length > 0) {
      const stored = await this.resumePoints();
      for (const p of fresh) this.takeOver(p, stored.get(p));
    }
    this.cfg.log.info({ partitions }, "partitions assigned");
    this.mirror.kick(this.op.owned());
  }

  /** The stored checkpoints, each checked against its partition's log (see resumeWithinLog). */
  private async resumePoints(): Promise<Map<number, StoredCheckpoint>> {
    const { ports, topics, log, metrics } = this.cfg;
    const stored = await this.retry("load checkpoints", () => ports.checkpoints.load());
    const logs = await this.retry("read the log ends", () => this.cfg.admin.fetchTopicOffsets(topics.clicks));
    const { resume, pastEnd } = resumeWithinLog(stored, logs);
    for (const past of pastEnd) {
      log.warn(
        past,
        "checkpoint past the end of the log (the topic was created again): reading the partition from its start",
      );
      metrics.checkpointFailures.inc({ kind: "checkpoint past log end" });
    }
    return resume;
  }

  /** Resumes a partition from its Postgres checkpoint (re-reading from where dedup needs). */
  private takeOver(p: number, stored: StoredCheckpoint | undefined): void {
    const start = this.positions.resume(p, this.op.assign(p, stored, this.cfg.clock.now()));
    this.mirror.resume(p);
    this.cfg.log.info({ partition: p, start, checkpoint: stored }, "partition resumed from Postgres checkpoint");
    this.seek(p, start);
  }

  /** Forgets a partition's uncheckpointed state (revoked or fenced); queued batches of it go stale. */
  private forget(p: number): void {
    this.op.revoke(p);
    this.positions.forget(p);
    this.mirror.forget(p);
  }

  private seek(p: number, offset: number): void {
    this.cfg.consumer.seek({ topic: this.cfg.topics.clicks, partition: p, offset: String(offset) });
  }

  /** Sends with acks=all, after any send in flight. */
  /** In requests Kafka accepts: a burst of bad input can give one checkpoint megabytes of dead letters. */
  private async send(topic: string, messages: Message[]): Promise<void> {
    for (const run of splitByBytes(messages)) {
      await this.sendQueue(() => this.cfg.producer.send({ topic, acks: -1, messages: run }));
    }
  }
}
