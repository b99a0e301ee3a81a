// The aggregator worker: a Kafka consumer-group member that feeds records to the pure operator
// (@adclicks/core), checkpoints to Postgres exactly once, mirrors deltas into the Redis live
// windows, and publishes final minutes. All state changes run one at a time (`exclusive`).
import {
  type AdCount,
  type AggregatorOptions,
  type CheckpointPlan,
  ClickAggregator,
  type Decision,
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
  liveWindowsReady,
  loadCheckpoints,
  loadOutbox,
  markMinutePublished,
  type RedisKeys,
  rebuildLiveWindows,
  type SeqRange,
  type StoredCheckpoint,
  withMinuteToPublish,
} from "@adclicks/db";
import {
  type Admin,
  type Consumer,
  createIdempotentProducer,
  deadLetterMessage,
  type EachBatchPayload,
  type Kafka,
  type Message,
  offsetOf,
  type Producer,
  type TopicNames,
  timestampOf,
} from "@adclicks/kafka";
import type { Redis } from "ioredis";
import type pg from "pg";
import type { Logger } from "pino";
import * as metrics from "./metrics";

/**
 * Cells merged into one Redis apply (whole checkpoints; the first one always goes): bounds the
 * memory of a catch-up and how long one Lua call holds Redis.
 */
const REDIS_APPLY_MAX_CELLS = 50_000;

/**
 * Cells of committed checkpoints kept in memory for Redis (~100 bytes each, under the heap cap);
 * past it, the oldest are read back from the outbox.
 */
const UNAPPLIED_MAX_CELLS = 100_000;

/**
 * Records counted between two turns of the event loop. A fetch holds tens of thousands; without
 * a break the checkpoint write and the Redis applies, running beside, wait for each batch to end
 * at every round trip.
 */
const YIELD_EVERY = 2_048;

/** Records received from kafkajs and not counted yet past which it waits before fetching more. */
const MAX_QUEUED_MESSAGES = 20_000;

/** Clicks counted but not yet in a checkpoint plan past which counting waits for the write in flight. */
const MAX_UNPLANNED_CLICKS = 500_000;

/** What one Redis apply did: moved a partition on, changed nothing, or found Redis not built. */
type ApplyOutcome = "applied" | "idle" | "not_ready";

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
  private readonly admin: Admin;
  private readonly log: Logger;

  // Serializes batches, checkpoints, assignments and shutdown.
  private chain: Promise<unknown> = Promise.resolve();
  // Read position per partition (the next offset we accept), and the last gap we re-sought
  // (our position, and the first offset of the batch that skipped past it).
  private readonly expected = new Map<number, number>();
  private readonly gapSeen = new Map<number, { next: number; first: number }>();
  // Bumped at each seek or revocation of a partition: batches received before it are stale.
  private readonly epochs = new Map<number, number>();
  private queuedMessages = 0;
  // Dead letters buffered until the next checkpoint: sent (acks=all) before offsets move past them.
  private dlq: Message[] = [];
  // Redis progress: last seq applied per partition, and the outbox rows to delete at the next commit.
  private readonly appliedSeq = new Map<number, number>();
  // Committed deltas not applied to Redis yet, per partition in seq order (copies of outbox rows).
  private readonly unapplied = new Map<number, { seq: number; counts: MinuteCounts; cells: number }[]>();
  private unappliedCells = 0;
  private appliedOutbox: { partition: number; seq: number }[] = [];
  private lastCheckpointAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private inflight: Promise<void> | undefined;
  private checkpointQueued = false;
  // One Redis sync per partition: while one builds its next call, Redis works on another's.
  private readonly redisSyncs = new Map<number, Promise<void>>();
  private publishing: Promise<void> | undefined;
  // Dead letters and published minutes share the idempotent producer: one send at a time.
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly cfg: WorkerConfig) {
    this.op = new ClickAggregator(cfg.operator);
    this.log = cfg.log;
    this.consumer = cfg.kafka.consumer({
      groupId: cfg.group,
      sessionTimeout: cfg.sessionTimeoutMs,
      heartbeatInterval: Math.floor(cfg.sessionTimeoutMs / 10),
      rebalanceTimeout: 60_000,
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 3 * 1024 * 1024,
      maxWaitTimeInMs: 250,
    });
    this.producer = createIdempotentProducer(cfg.kafka);
    this.admin = cfg.kafka.admin();
  }

  async start(): Promise<void> {
    const { topics } = this.cfg;
    await this.producer.connect();
    await this.admin.connect();
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
      eachBatch: (payload) => this.enqueueBatch(payload),
    });
    const tick = Math.max(25, Math.floor(this.cfg.checkpointIntervalMs / 2));
    this.timer = setInterval(() => {
      // A write in flight takes the next plan itself when it is done.
      if (!this.stopping && !this.inflight && this.checkpointDue()) this.scheduleCheckpoint();
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
    await Promise.all(this.redisSyncs.values());
    await this.publishing;
    await this.consumer.disconnect().catch(() => {});
    await this.producer.disconnect().catch(() => {});
    await this.admin.disconnect().catch(() => {});
    this.log.info("aggregator stopped");
  }

  /**
   * Takes a batch from kafkajs and counts it in the background: kafkajs fetches the next only once
   * eachBatch returns, so waiting here would leave the worker idle for every fetch. Its position
   * moves past the batch at once; ours (`expected`) moves as batches are counted, and batches
   * from before one of our seeks are dropped by their epoch.
   */
  private async enqueueBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const last = batch.messages.at(-1)?.offset;
    if (last !== undefined) payload.resolveOffset(last);
    // Fetched before a seek still pending: never counted (its epoch matches none).
    const epoch = payload.isStale() ? -1 : (this.epochs.get(batch.partition) ?? 0);
    const n = batch.messages.length;
    this.queuedMessages += n;
    const run = this.exclusive(() => this.onBatch(payload, epoch)).finally(() => {
      this.queuedMessages -= n;
    });
    if (this.queuedMessages > MAX_QUEUED_MESSAGES) await run;
    else run.catch((err) => this.log.error({ err: String(err), partition: batch.partition }, "batch failed"));
  }

  /** Forgets a partition's uncheckpointed state (revoked or fenced); queued batches of it go stale. */
  private forget(p: number): void {
    this.op.revoke(p);
    this.expected.delete(p);
    this.dropUnapplied(p);
    this.bumpEpoch(p);
  }

  private seek(p: number, offset: number): void {
    this.bumpEpoch(p);
    this.consumer.seek({ topic: this.cfg.topics.clicks, partition: p, offset: String(offset) });
  }

  private bumpEpoch(p: number): void {
    this.epochs.set(p, (this.epochs.get(p) ?? 0) + 1);
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
        this.forget(p);
        metrics.consumerLag.remove(String(p));
      }
    }
    const fresh = partitions.filter((p) => !this.expected.has(p));
    if (fresh.length > 0) {
      const stored = await this.resumePoints();
      for (const p of fresh) this.takeOver(p, stored.get(p));
    }
    this.log.info({ partitions }, "partitions assigned");
    this.kickRedis();
  }

  /**
   * The stored checkpoints, each checked against its partition's log: one past the log's end
   * was written for an earlier topic of the same name (deleted and created again, as when Kafka's
   * data directory is wiped). Kept, its offsets would skip the new log's first records as
   * replays of counted ones; the partition is read from the log's start instead, its seq kept
   * (fencing and the Redis applies go on in order).
   */
  private async resumePoints(): Promise<Map<number, StoredCheckpoint>> {
    const { pool, group, topics } = this.cfg;
    const stored = await this.retry("load checkpoints", () => loadCheckpoints(pool, group, topics.clicks));
    const ends = await this.retry("read the log ends", () => this.admin.fetchTopicOffsets(topics.clicks));
    for (const end of ends) {
      const cp = stored.get(end.partition);
      if (!cp || cp.nextOffset <= Number(end.high)) continue;
      this.log.warn(
        { partition: end.partition, checkpoint: cp.nextOffset, logEnd: Number(end.high), logStart: Number(end.low) },
        "checkpoint past the end of the log (the topic was created again): reading the partition from its start",
      );
      metrics.checkpointFailures.inc({ kind: "checkpoint past log end" });
      const start = Number(end.low);
      stored.set(end.partition, {
        ...cp,
        nextOffset: start,
        dedupFromOffset: start,
        maxEventMs: Number.NEGATIVE_INFINITY,
      });
    }
    return stored;
  }

  /** Resumes a partition from its Postgres checkpoint (re-reading from where dedup needs). */
  private takeOver(p: number, stored: StoredCheckpoint | undefined): void {
    const start = this.op.assign(p, stored, Date.now());
    this.expected.set(p, start);
    this.appliedSeq.delete(p);
    this.dropUnapplied(p);
    this.log.info({ partition: p, start, checkpoint: stored }, "partition resumed from Postgres checkpoint");
    this.seek(p, start);
  }

  private async onBatch({ batch, heartbeat, isStale }: EachBatchPayload, epoch: number): Promise<void> {
    const p = batch.partition;
    const topic = this.cfg.topics.clicks;
    if (this.stopping || isStale() || epoch !== (this.epochs.get(p) ?? 0)) return;
    if (!this.expected.has(p)) {
      // A batch before (or instead of) the assignment event: take the partition over now.
      this.takeOver(p, (await this.resumePoints()).get(p));
      return;
    }
    let next = this.expected.get(p) ?? 0;
    const msgs = batch.messages;
    const first = msgs[0];
    if (!first) return;
    const firstOffset = offsetOf(first);
    if (firstOffset > next) {
      // Fetched from a position other than ours (a stale fetch: kafkajs may fetch ahead before it
      // applies our seek, and deliver that once the seek is no longer pending): go back. Only the
      // same gap seen again after going back is real (transaction markers, aborted records), and
      // accepted; a stale fetch stream has moved on by then and starts elsewhere.
      const seen = this.gapSeen.get(p);
      if (seen?.next !== next || seen.first !== firstOffset) {
        this.gapSeen.set(p, { next, first: firstOffset });
        this.seek(p, next);
        return;
      }
      this.log.info({ partition: p, from: next, to: firstOffset }, "offsets absent from the log skipped");
    }
    const now = Date.now();
    // Counted here and added to the metric once per batch: a labelled inc per event costs more
    // than the event's dedup.
    const decisions = new Map<Decision["kind"], number>();
    for (let i = 0; i < msgs.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        // Revoked or fenced meanwhile (a checkpoint write failed): its takeover re-reads it.
        if (!this.expected.has(p)) return;
        if (this.stopping) break;
      }
      const m = msgs[i]!;
      const offset = offsetOf(m);
      if (offset < next) continue;
      const d = this.op.process(p, offset, m.value, now, timestampOf(m) || now);
      next = offset + 1;
      decisions.set(d.kind, (decisions.get(d.kind) ?? 0) + 1);
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
    for (const [decision, n] of decisions) metrics.events.inc({ decision }, n);
    this.expected.set(p, next);
    metrics.consumerLag.set({ partition: String(p) }, Math.max(0, Number(batch.highWatermark) - next));
    if (this.checkpointDue()) await this.checkpoint();
    await heartbeat();
  }

  private checkpointDue(): boolean {
    return Date.now() - this.lastCheckpointAt >= this.cfg.checkpointIntervalMs;
  }

  /** Queues a checkpoint behind the batches already queued (one at a time). */
  private scheduleCheckpoint(): void {
    if (this.checkpointQueued) return;
    this.checkpointQueued = true;
    this.exclusive(() => {
      this.checkpointQueued = false;
      return this.checkpoint();
    }).catch((err) => this.log.error({ err }, "checkpoint failed"));
  }

  /**
   * Takes a checkpoint plan and writes it in the background, so the next batches are counted
   * while Postgres works. One write is in flight at a time: a plan that falls due meanwhile is
   * taken when it is done, and counting goes on until MAX_UNPLANNED_CLICKS piled up (that is the
   * backpressure) or `wait` asks for a checkpoint now.
   */
  private async checkpoint(wait = false): Promise<void> {
    if (this.inflight) {
      if (!wait && this.op.unplannedClicks() < MAX_UNPLANNED_CLICKS) return;
      await this.inflight;
    }
    this.lastCheckpointAt = Date.now();
    const deadLetters = this.dlq;
    this.dlq = [];
    const plan = this.op.plan(Date.now());
    const write = this.writeCheckpoint(plan, deadLetters).catch((err) => {
      // The plan's counts are gone with it: every partition restarts from its stored checkpoint.
      this.log.error({ err: String(err) }, "checkpoint write failed; re-reading from the stored checkpoints");
      for (const p of this.op.owned()) this.forget(p);
    });
    this.inflight = write.finally(() => {
      this.inflight = undefined;
      if (!this.stopping && this.checkpointDue()) this.scheduleCheckpoint();
    });
    if (wait) await this.inflight;
  }

  private async writeCheckpoint(plan: CheckpointPlan, deadLetters: Message[]): Promise<void> {
    if (deadLetters.length > 0) {
      // Before the offsets move past them: a rejected event is never lost.
      await this.retry("send dead letters", () => this.send(this.cfg.topics.deadLetters, deadLetters));
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
      for (const p of err.partitions) this.forget(p);
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
    for (const pp of plan.partitions) this.remember(pp.partition, pp.seq, pp.counts);
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

  /** Keeps a committed checkpoint's deltas for Redis; past the budget the oldest are left to the outbox. */
  private remember(p: number, seq: number, counts: MinuteCounts): void {
    if (!this.op.owned().includes(p)) return;
    let queue = this.unapplied.get(p);
    if (!queue) {
      queue = [];
      this.unapplied.set(p, queue);
    }
    const cells = counts.size;
    queue.push({ seq, counts, cells });
    this.unappliedCells += cells;
    for (const entries of this.unapplied.values()) {
      while (this.unappliedCells > UNAPPLIED_MAX_CELLS && entries.length > 0)
        this.unappliedCells -= entries.shift()!.cells;
    }
  }

  /** Starts a Redis sync for every owned partition that has none running. */
  private kickRedis(): void {
    for (const p of this.op.owned()) {
      if (this.redisSyncs.has(p)) continue;
      this.redisSyncs.set(
        p,
        this.syncRedis(p).finally(() => this.redisSyncs.delete(p)),
      );
    }
  }

  private kickPublish(): void {
    this.publishing ??= this.publishFinalMinutes().finally(() => {
      this.publishing = undefined;
    });
  }

  /**
   * Applies a partition's committed deltas to Redis exactly once, in seq order. Those of our own
   * recent checkpoints come from memory (`unapplied`); whatever memory lacks (a previous owner's
   * checkpoints, ours from before a restart, or a backlog past UNAPPLIED_MAX_CELLS) is read back
   * from the outbox. Each call holds Redis for one partition's share of a checkpoint.
   */
  private async syncRedis(p: number): Promise<void> {
    try {
      while (!this.stopping) {
        const head = this.unapplied.get(p)?.[0];
        const last = this.appliedSeq.get(p);
        let result: ApplyOutcome;
        if (head && (last === undefined || head.seq === last + 1)) result = await this.applyFromMemory(p);
        else if (last === undefined || last < this.op.committedSeq(p)) result = await this.applyFromOutbox(p);
        else return;
        if (result === "not_ready") {
          await this.ensureLiveWindows();
          return;
        }
        // Nothing moved (a gap only the next checkpoint fills, or an empty outbox).
        if (result === "idle") return;
      }
    } catch (err) {
      metrics.redisApplies.inc({ result: "error" });
      this.log.warn({ err: String(err), partition: p }, "redis apply failed; will retry");
    }
  }

  /** Applies the consecutive checkpoints of `p` held in memory, merged up to a cell budget. */
  private async applyFromMemory(p: number): Promise<ApplyOutcome> {
    const queue = this.unapplied.get(p) ?? [];
    const first = queue[0];
    if (!first) return "idle";
    let counts = first.counts;
    let cells = first.cells;
    let toSeq = first.seq;
    for (
      let i = 1;
      i < queue.length && queue[i]!.seq === toSeq + 1 && cells + queue[i]!.cells <= REDIS_APPLY_MAX_CELLS;
      i++
    ) {
      if (counts === first.counts) {
        counts = new MinuteCounts();
        counts.mergeFrom(first.counts);
      }
      counts.mergeFrom(queue[i]!.counts);
      cells += queue[i]!.cells;
      toSeq = queue[i]!.seq;
    }
    return this.apply([{ partition: p, fromSeq: first.seq, toSeq }], counts);
  }

  /** Applies the partition's outbox rows above what Redis has, consecutive ones merged. */
  private async applyFromOutbox(p: number): Promise<ApplyOutcome> {
    const rows = await loadOutbox(this.cfg.pool, this.cfg.group, [p], this.appliedSeq);
    const first = rows[0];
    if (!first) {
      // Nothing stored past what we think Redis has: then Redis has more (a rebuild took newer
      // seqs); the in-memory deltas will ask it.
      return this.unapplied.get(p)?.length && this.appliedSeq.delete(p) ? "applied" : "idle";
    }
    const merged = new MinuteCounts();
    let toSeq = first.seq - 1;
    for (const row of rows) {
      // A hole (a row not written yet) ends the run; a later pass takes the rest.
      if (row.seq !== toSeq + 1 || (toSeq >= first.seq && merged.size >= REDIS_APPLY_MAX_CELLS)) break;
      decodeOutboxDeltas(row.deltas, merged);
      toSeq = row.seq;
    }
    return this.apply([{ partition: p, fromSeq: first.seq, toSeq }], merged);
  }

  /**
   * One apply: on success, or when Redis says it has these seqs already, the partitions move on;
   * a seq missing in Redis (a gap) leaves them to the outbox.
   */
  private async apply(ranges: SeqRange[], counts: MinuteCounts): Promise<ApplyOutcome> {
    const r = await applyDeltas(this.cfg.redis, this.cfg.keys, this.cfg.group, ranges, counts);
    metrics.redisApplies.inc({ result: r.kind });
    if (r.kind === "not_ready") return "not_ready";
    const applied = r.kind === "applied" ? new Map(ranges.map((x) => [x.partition, x.toSeq])) : r.lastApplied;
    let moved = r.kind === "applied";
    for (const [p, last] of applied) {
      if (last > (this.appliedSeq.get(p) ?? -1)) moved = true;
      this.appliedSeq.set(p, last);
      if (last > 0) this.appliedOutbox.push({ partition: p, seq: last });
      this.dropUnapplied(p, last);
    }
    return moved ? "applied" : "idle";
  }

  /** Forgets the in-memory deltas of `p` up to `seq` (all of them when seq is undefined). */
  private dropUnapplied(p: number, seq?: number): void {
    const queue = this.unapplied.get(p);
    if (!queue) return;
    while (queue.length > 0 && (seq === undefined || queue[0]!.seq <= seq)) this.unappliedCells -= queue.shift()!.cells;
  }

  private async ensureLiveWindows(): Promise<void> {
    const { pool, redis, keys, group } = this.cfg;
    try {
      if (await liveWindowsReady(redis, keys)) return;
      const started = Date.now();
      const r = await rebuildLiveWindows(pool, redis, keys, group);
      if (r.rebuilt) this.log.warn({ rows: r.rows, ms: Date.now() - started }, "live windows rebuilt from Postgres");
    } catch (err) {
      this.log.warn({ err: String(err) }, "live-window rebuild failed; will retry");
    }
  }

  /** Publishes final minutes (and republishes corrected ones) to the compacted counts topic. */
  private async publishFinalMinutes(): Promise<void> {
    const send = (messages: Message[]) => this.send(this.cfg.topics.counts, messages);
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

  /**
   * Sends with acks=all, after any send in flight: a second request on an idempotent producer
   * could take over the sequence numbers of a failed first one (see createIdempotentProducer).
   */
  private send(topic: string, messages: Message[]): Promise<unknown> {
    const run = this.sending.then(() => this.producer.send({ topic, acks: -1, messages }));
    this.sending = run.catch(() => {});
    return run;
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
