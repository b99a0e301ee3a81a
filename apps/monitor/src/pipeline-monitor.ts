// Reads Kafka's log offsets, the Postgres checkpoints and outbox, and the Redis live-window state
// at each scrape, and sets the monitor's gauges. Lag needs the log end offsets seen over time
// (LogEndHistory, kept here between scrapes); a source that cannot be read drops its gauges
// and says so in adclicks_monitor_source_up rather than serve stale figures.
import { LogEndHistory, MINUTE_MS, partitionLag } from "@adclicks/core";
import type { PipelineGauges } from "@adclicks/db/queries";
import type { Logger } from "pino";
import type { MonitorMetrics } from "./metrics";

export interface MonitorSources {
  logOffsets(topic: string): Promise<{ partition: number; low: number; high: number }[]>;
  gauges(): Promise<PipelineGauges>;
  liveReady(): Promise<boolean>;
}

/** A consumer whose checkpoints are watched, and the topic it reads. */
export interface WatchedConsumer {
  name: string;
  topic: string;
}

export interface PipelineMonitorOptions {
  sources: MonitorSources;
  consumers: WatchedConsumer[];
  metrics: MonitorMetrics;
  now: () => number;
  log: Logger;
  /** A source slower than this counts as down for the scrape. */
  timeoutMs?: number;
}

export class PipelineMonitor {
  private readonly histories = new Map<string, LogEndHistory>();
  private readonly down = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(private readonly opts: PipelineMonitorOptions) {}

  /** Sets every gauge from fresh reads; concurrent scrapes share one refresh. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async read(): Promise<void> {
    const { sources, consumers, metrics: m } = this.opts;
    const topics = [...new Set(consumers.map((c) => c.topic))];
    const [kafka, pg, redis] = await Promise.all([
      this.attempt(
        "kafka",
        async () => new Map(await Promise.all(topics.map(async (t) => [t, await sources.logOffsets(t)] as const))),
      ),
      this.attempt("postgres", () => sources.gauges()),
      this.attempt("redis", () => sources.liveReady()),
    ]);
    const now = this.opts.now();
    for (const g of [m.logEndOffset, m.checkpointOffset, m.lagRecords, m.lagSeconds, m.stalledSeconds, m.checkpointAge])
      g.reset();
    if (kafka)
      for (const [topic, parts] of kafka)
        for (const p of parts) {
          m.logEndOffset.set({ topic, partition: String(p.partition) }, p.high);
          this.history(topic, p.partition).observe(p.high, now);
        }
    if (kafka && pg) {
      const stored = new Map(pg.checkpoints.map((c) => [`${c.consumer}/${c.topic}/${c.partition}`, c]));
      for (const { name, topic } of consumers) {
        for (const p of kafka.get(topic) ?? []) {
          const cp = stored.get(`${name}/${topic}/${p.partition}`);
          const labels = { consumer: name, topic, partition: String(p.partition) };
          const lag = partitionLag({
            logStart: p.low,
            logEnd: p.high,
            checkpointOffset: cp?.nextOffset,
            checkpointMovedAtMs: cp?.updatedAtMs,
            history: this.history(topic, p.partition),
            nowMs: now,
          });
          m.lagRecords.set(labels, lag.records);
          m.lagSeconds.set(labels, lag.seconds);
          m.stalledSeconds.set(labels, lag.stalledSeconds);
          if (cp) {
            m.checkpointOffset.set(labels, cp.nextOffset);
            m.checkpointAge.set(labels, Math.max(0, now - cp.updatedAtMs) / 1000);
          }
        }
      }
    }
    m.outboxBacklog.reset();
    m.finalityDelay.reset();
    if (pg) {
      for (const { name } of consumers) m.outboxBacklog.set({ consumer: name }, 0);
      for (const o of pg.outbox) m.outboxBacklog.set({ consumer: o.consumer }, o.rows);
      if (pg.newestFinalMinuteMs !== null)
        m.finalityDelay.set(Math.max(0, now - (pg.newestFinalMinuteMs + MINUTE_MS)) / 1000);
    }
    // Unreachable Redis: the live windows cannot answer either.
    m.liveWindowsReady.set(redis ? 1 : 0);
  }

  private history(topic: string, partition: number): LogEndHistory {
    const key = `${topic}/${partition}`;
    let h = this.histories.get(key);
    if (!h) {
      h = new LogEndHistory();
      this.histories.set(key, h);
    }
    return h;
  }

  /** The source's answer, or undefined when it failed or was too slow (logged once per outage). */
  private async attempt<T>(source: string, read: () => Promise<T>): Promise<T | undefined> {
    const timeoutMs = this.opts.timeoutMs ?? 3_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const value = await Promise.race([
        read(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${source} did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      this.opts.metrics.sourceUp.set({ source }, 1);
      if (this.down.delete(source)) this.opts.log.info({ source }, "source readable again");
      return value;
    } catch (err) {
      this.opts.metrics.sourceUp.set({ source }, 0);
      if (!this.down.has(source)) this.opts.log.warn({ err, source }, "cannot read source; its gauges are left out");
      this.down.add(source);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
