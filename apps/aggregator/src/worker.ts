// The aggregator worker: a Kafka consumer-group member that feeds records to the pure operator
// (@adclicks/core), checkpoints to Postgres exactly once, mirrors deltas into the Redis live
// windows, and publishes final minutes. All state changes run one at a time (`exclusive`).
import {
  type AdCount,
  type AggregatorOptions,
  type CheckpointPlan,
  ClickAggregator,
  isoMinute,
  MinuteCounts,
  mergeDisjointTopN,
  topN,
} from "@adclicks/core";
import {
  applyDeltas,
  CheckpointFencedError,
  commitCheckpoint,
  decodeOutboxDeltas,
  loadCheckpoints,
  loadOutbox,
  markMinutePublished,
  type RedisKeys,
  rebuildLiveWindows,
  type SeqRange,
  type StoredCheckpoint,
  withMinuteToPublish,
} from "@adclicks/db";
import { deadLetterMessage, type TopicNames } from "@adclicks/kafka";
import type { Redis } from "ioredis";
import type { Consumer, EachBatchPayload, Kafka, Message, Producer } from "kafkajs";
import type pg from "pg";
import type { Logger } from "pino";
import * as metrics from "./metrics";

/**
 * Cells merged into one Redis apply (whole checkpoints; the first one always goes): bounds the
 * memory of a catch-up and how long one Lua call holds Redis.
 */
const REDIS_APPLY_MAX_CELLS = 50_000;

export interface WorkerConfig {
  kafka: Kafka;
  topics: TopicNames;
  group: string;
  pool: pg.Pool;
  redis: Redis;
  keys: RedisKeys;
  checkpointIntervalMs: number;
  sessionTimeoutMs: number;
  publishTopN: number;
  publishBatch: number;
  /** Hot-ad lists written when minutes become final (clicksPerMinute 0: off). */
  hotAds: { clicksPerMinute: number; slots: number };
  operator: AggregatorOptions;
  log: Logger;
}

export class AggregatorWorker {
  private readonly op: ClickAggregator;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly log: Logger;

  // Serializes batches, checkpoints, assignments and shutdown.
  private chain: Promise<unknown> = Promise.resolve();
  // Read position per partition (the next offset we accept), and a gap we already re-sought.
  private readonly expected = new Map<number, number>();
  private readonly gapSeen = new Map<number, number>();
  // Dead letters buffered until the next checkpoint: sent (acks=all) before offsets move past them.
  private dlq: Message[] = [];
  // Redis progress: last seq applied per partition, and the outbox rows to delete at the next commit.
  private readonly appliedSeq = new Map<number, number>();
  private appliedOutbox: { partition: number; seq: number }[] = [];
  private lastCheckpointAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private inflight: Promise<void> | undefined;
  private redisSync: Promise<void> | undefined;
  private publishing: Promise<void> | undefined;

  constructor(private readonly cfg: WorkerConfig) {
    this.op = new ClickAggregator(cfg.operator);
    this.log = cfg.log;
    this.consumer = cfg.kafka.consumer({
      groupId: cfg.group,
      sessionTimeout: cfg.sessionTimeoutMs,
      heartbeatInterval: Math.floor(cfg.sessionTimeoutMs / 10),
      rebalanceTimeout: 60_000,
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 4 * 1024 * 1024,
      maxWaitTimeInMs: 250,
    });
    this.producer = cfg.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }

  async start(): Promise<void> {
    const { topics } = this.cfg;
    await this.producer.connect();
    await this.ensureLiveWindows();
    await this.consumer.connect();
    this.consumer.on(this.consumer.events.GROUP_JOIN, (e) => {
      const parts = e.payload.memberAssignment[topics.clicks] ?? [];
      this.exclusive(() => this.onAssignment(parts)).catch((err) =>
        this.log.error({ err: String(err) }, "assignment failed"),
      );
    });
    this.consumer.on(this.consumer.events.CRASH, (e) => {
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, "kafka consumer crashed");
    });
    await this.consumer.subscribe({ topic: topics.clicks, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.exclusive(() => this.onBatch(payload)),
    });
    const tick = Math.max(25, Math.floor(this.cfg.checkpointIntervalMs / 2));
    this.timer = setInterval(() => {
      if (this.stopping || Date.now() - this.lastCheckpointAt < this.cfg.checkpointIntervalMs) return;
      this.exclusive(() => this.checkpoint()).catch((err) => this.log.error({ err }, "checkpoint failed"));
    }, tick);
    this.log.info({ group: this.cfg.group, topic: topics.clicks }, "aggregator started");
  }

  /** Graceful stop: no more fetching, a final checkpoint, leave the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.consumer.stop().catch(() => {});
    await this.exclusive(() => this.checkpoint(true)).catch((err) =>
      this.log.error({ err }, "final checkpoint failed"),
    );
    await this.redisSync;
    await this.publishing;
    await this.consumer.disconnect().catch(() => {});
    await this.producer.disconnect().catch(() => {});
    this.log.info("aggregator stopped");
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * Takes over newly assigned partitions at once, not at their first batch: a partition already
   * read to its end brings no batch, yet its dedup state, watermark and a previous owner's
   * unapplied Redis checkpoints are ours now.
   */
  private async onAssignment(partitions: number[]): Promise<void> {
    const assigned = new Set(partitions);
    for (const p of this.op.owned()) {
      if (!assigned.has(p)) {
        // Uncheckpointed counts are dropped: the new owner re-reads them from the stored offset.
        this.op.revoke(p);
        this.expected.delete(p);
        metrics.consumerLag.remove(String(p));
      }
    }
    const fresh = partitions.filter((p) => !this.expected.has(p));
    if (fresh.length > 0) {
      const stored = await this.retry("load checkpoints", () =>
        loadCheckpoints(this.cfg.pool, this.cfg.group, this.cfg.topics.clicks),
      );
      for (const p of fresh) this.takeOver(p, stored.get(p));
    }
    this.log.info({ partitions }, "partitions assigned");
    this.kickRedis();
  }

  /** Resumes a partition from its Postgres checkpoint (re-reading from where dedup needs). */
  private takeOver(p: number, stored: StoredCheckpoint | undefined): void {
    const start = this.op.assign(p, stored, Date.now());
    this.expected.set(p, start);
    this.appliedSeq.delete(p);
    this.log.info({ partition: p, start, checkpoint: stored }, "partition resumed from Postgres checkpoint");
    this.consumer.seek({ topic: this.cfg.topics.clicks, partition: p, offset: String(start) });
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    const p = batch.partition;
    const topic = this.cfg.topics.clicks;
    if (this.stopping || isStale()) return;
    if (!this.expected.has(p)) {
      // A batch before (or instead of) the assignment event: take the partition over now.
      const stored = await this.retry("load checkpoints", () => loadCheckpoints(this.cfg.pool, this.cfg.group, topic));
      this.takeOver(p, stored.get(p));
      return;
    }
    let next = this.expected.get(p) ?? 0;
    const msgs = batch.messages;
    const first = msgs[0];
    if (!first) return;
    if (Number(first.offset) > next && this.gapSeen.get(p) !== next) {
      // Fetched from a position other than ours (a stale fetch): go back once. A gap that is
      // still there after that is real (transaction markers), and is accepted.
      this.gapSeen.set(p, next);
      this.consumer.seek({ topic, partition: p, offset: String(next) });
      return;
    }
    const now = Date.now();
    let last: string | undefined;
    for (const m of msgs) {
      last = m.offset;
      const offset = Number(m.offset);
      if (offset < next) continue;
      const value = m.value === null ? null : m.value.toString("utf8");
      const d = this.op.process(p, offset, value, now, Number(m.timestamp) || now);
      next = offset + 1;
      metrics.events.inc({ decision: d.kind });
      if (d.kind === "rejected") {
        metrics.deadLetters.inc({ reason: d.reason });
        this.dlq.push(
          deadLetterMessage({
            reason: d.reason,
            detail: d.detail,
            source: "aggregator",
            payload: m.value ?? Buffer.alloc(0),
            topic,
            partition: p,
            offset: m.offset,
            rejectedAt: now,
          }),
        );
      }
    }
    this.expected.set(p, next);
    if (last !== undefined) resolveOffset(last);
    metrics.consumerLag.set({ partition: String(p) }, Math.max(0, Number(batch.highWatermark) - next));
    if (Date.now() - this.lastCheckpointAt >= this.cfg.checkpointIntervalMs) await this.checkpoint();
    await heartbeat();
  }

  /**
   * Takes a checkpoint plan and writes it in the background, so the next batches are counted
   * while Postgres works; at most one write is in flight (that is the backpressure).
   */
  private async checkpoint(wait = false): Promise<void> {
    if (this.inflight) await this.inflight;
    this.lastCheckpointAt = Date.now();
    const deadLetters = this.dlq;
    this.dlq = [];
    const plan = this.op.plan(Date.now());
    const write = this.writeCheckpoint(plan, deadLetters).catch((err) => {
      // The plan's counts are gone with it: every partition restarts from its stored checkpoint.
      this.log.error({ err: String(err) }, "checkpoint write failed; re-reading from the stored checkpoints");
      for (const p of this.op.owned()) {
        this.op.revoke(p);
        this.expected.delete(p);
      }
    });
    this.inflight = write.finally(() => {
      this.inflight = undefined;
    });
    if (wait) await this.inflight;
  }

  private async writeCheckpoint(plan: CheckpointPlan, deadLetters: Message[]): Promise<void> {
    if (deadLetters.length > 0) {
      // Before the offsets move past them: a rejected event is never lost.
      await this.retry("send dead letters", () =>
        this.producer.send({ topic: this.cfg.topics.deadLetters, acks: -1, messages: deadLetters }),
      );
    }
    // A copy: syncRedis appends while the commit runs, and those rows are not in this delete.
    const applied = [...this.appliedOutbox];
    const started = process.hrtime.bigint();
    let result: Awaited<ReturnType<typeof commitCheckpoint>>;
    try {
      result = await this.retry("checkpoint", () =>
        commitCheckpoint(this.cfg.pool, {
          consumer: this.cfg.group,
          topic: this.cfg.topics.clicks,
          plan,
          appliedOutbox: applied,
          hotAds: this.cfg.hotAds,
        }),
      );
    } catch (err) {
      if (!(err instanceof CheckpointFencedError)) throw err;
      metrics.checkpointFailures.inc({ kind: "fenced" });
      this.log.warn({ partitions: err.partitions }, "checkpoint fenced: partitions re-initialize from Postgres");
      // Everything counted for them since the stored checkpoint is dropped and re-read.
      for (const p of err.partitions) {
        this.op.revoke(p);
        this.expected.delete(p);
      }
      return;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.checkpointSeconds.observe(seconds);
    if (this.log.isLevelEnabled("debug")) {
      const cells = plan.partitions.reduce((n, pp) => n + pp.counts.size, 0);
      const mem = process.memoryUsage();
      const mb = (n: number) => Math.round(n / 1048576);
      this.log.debug(
        {
          ms: seconds * 1000,
          partitions: plan.partitions.length,
          cells,
          memMb: {
            rss: mb(mem.rss),
            heap: mb(mem.heapUsed),
            heapTotal: mb(mem.heapTotal),
            external: mb(mem.external),
            buffers: mb(mem.arrayBuffers),
          },
        },
        "checkpoint",
      );
    }
    this.appliedOutbox = this.appliedOutbox.slice(applied.length);
    this.op.committed(plan);
    const now = Date.now();
    for (const cp of result.checkpoints.values()) this.op.observeRemote(cp.partition, cp.maxEventMs, cp.updatedAtMs);
    if (plan.watermark !== undefined) metrics.watermarkSeconds.set(plan.watermark / 1000);
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    for (const pp of plan.partitions) {
      offsets.push({ topic: this.cfg.topics.clicks, partition: pp.partition, offset: String(pp.nextOffset) });
      if (!pp.counts.isEmpty) metrics.eventToCountedSeconds.observe(Math.max(0, now - pp.maxEventMs) / 1000);
    }
    metrics.dedupIds.set(this.op.dedupStats().ids);
    // Kafka offsets are only a hint (for lag tools); Postgres holds the real ones.
    if (offsets.length > 0) this.consumer.commitOffsets(offsets).catch(() => {});
    if (result.finalized.length > 0) this.log.info({ minutes: result.finalized.map(isoMinute) }, "minutes final");
    // Redis and the downstream feed follow in the background: the next batch need not wait.
    this.kickRedis();
    this.kickPublish();
  }

  private kickRedis(): void {
    this.redisSync ??= this.syncRedis().finally(() => {
      this.redisSync = undefined;
    });
  }

  private kickPublish(): void {
    this.publishing ??= this.publishFinalMinutes().finally(() => {
      this.publishing = undefined;
    });
  }

  /**
   * Applies committed deltas to Redis, read back from the outbox in seq order per partition:
   * memory stays bounded however far Redis falls behind, and a previous owner's unapplied
   * checkpoints are picked up the same way as ours. When Redis is behind, consecutive
   * checkpoints are merged into one apply: a cell counted in several costs one update.
   */
  private async syncRedis(): Promise<void> {
    const { pool, redis, keys, group } = this.cfg;
    try {
      for (;;) {
        const rows = await loadOutbox(pool, group, this.op.owned(), this.appliedSeq);
        if (rows.length === 0) return;
        const merged = new MinuteCounts();
        const ranges = new Map<number, SeqRange>();
        for (const row of rows) {
          const range = ranges.get(row.partition);
          // Rows come sorted by (partition, seq); a hole means a later pass takes the rest.
          if (range && row.seq !== range.toSeq + 1) continue;
          if (ranges.size > 0 && merged.size >= REDIS_APPLY_MAX_CELLS) break;
          decodeOutboxDeltas(row.deltas, merged);
          if (range) range.toSeq = row.seq;
          else ranges.set(row.partition, { partition: row.partition, fromSeq: row.seq, toSeq: row.seq });
        }
        const r = await applyDeltas(redis, keys, group, [...ranges.values()], merged);
        metrics.redisApplies.inc({ result: r.kind });
        if (r.kind === "not_ready") {
          await this.ensureLiveWindows();
          return;
        }
        if (r.kind === "mismatch") {
          // Applied already (a rebuild, or a previous owner) or an older checkpoint is missing:
          // continue from what Redis says; on a gap, the next pass (next checkpoint) retries.
          let gap = false;
          for (const [p, last] of r.lastApplied) {
            if (last < (ranges.get(p)?.fromSeq ?? 0) - 1) gap = true;
            this.appliedSeq.set(p, last);
            if (last > 0) this.appliedOutbox.push({ partition: p, seq: last });
          }
          if (gap) return;
          continue;
        }
        for (const range of ranges.values()) {
          this.appliedSeq.set(range.partition, range.toSeq);
          this.appliedOutbox.push({ partition: range.partition, seq: range.toSeq });
        }
        if (this.stopping) return;
      }
    } catch (err) {
      metrics.redisApplies.inc({ result: "error" });
      this.log.warn({ err: String(err) }, "redis apply failed; will retry");
    }
  }

  private async ensureLiveWindows(): Promise<void> {
    const { pool, redis, keys, group } = this.cfg;
    try {
      if ((await redis.hget(keys.meta, "ready")) === "1") return;
      const started = Date.now();
      const r = await rebuildLiveWindows(pool, redis, keys, group);
      if (r.rebuilt) this.log.warn({ rows: r.rows, ms: Date.now() - started }, "live windows rebuilt from Postgres");
    } catch (err) {
      this.log.warn({ err: String(err) }, "live-window rebuild failed; will retry");
    }
  }

  /** Publishes final minutes (and republishes corrected ones) to the compacted counts topic. */
  private async publishFinalMinutes(): Promise<void> {
    const send = (messages: Message[]) => this.producer.send({ topic: this.cfg.topics.counts, acks: -1, messages });
    try {
      for (;;) {
        const done = await withMinuteToPublish(this.cfg.pool, this.cfg.publishBatch, async (m) => {
          const minute = isoMinute(m.minute);
          let top: AdCount[] = [];
          for await (const ads of m.chunks()) {
            await send(
              ads.map((a) => ({
                key: `${a.adId}:${minute}`,
                value: JSON.stringify({ ad_id: a.adId, minute, count: a.clicks, final: true }),
              })),
            );
            // Each ad comes once (grouped by ad): the running top-N of disjoint chunks is exact.
            top = mergeDisjointTopN(
              [
                top,
                topN(
                  ads.map((a) => [a.adId, a.clicks] as [string, number]),
                  this.cfg.publishTopN,
                ),
              ],
              this.cfg.publishTopN,
            );
          }
          await send([
            {
              key: `top:${minute}`,
              value: JSON.stringify({
                minute,
                late_clicks: m.lateClicks,
                top: top.map((t) => ({ ad_id: t.adId, count: t.count })),
              }),
            },
          ]);
        });
        if (!done) return;
        await markMinutePublished(this.cfg.pool, done.minute, done.lateClicks);
        metrics.minutesPublished.inc();
        if (this.stopping) return;
      }
    } catch (err) {
      // Unpublished minutes stay marked in Postgres and are retried on the next checkpoint.
      this.log.warn({ err: String(err) }, "publishing final minutes failed; will retry");
    }
  }

  /** Retries an operation with capped exponential backoff; never gives up while running. */
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof CheckpointFencedError) throw err;
        if (this.stopping && attempt >= 3) throw err;
        metrics.checkpointFailures.inc({ kind: what });
        const delay = Math.min(100 * 2 ** attempt, 5_000);
        this.log.warn({ err: String(err), attempt, delay }, `${what} failed; retrying`);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
