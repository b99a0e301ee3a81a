// Publishes final minutes (and republishes corrected ones) to the compacted counts topic: each
// ad's total keyed `ad_id:minute`, then the minute's top N keyed `top:minute`. One run at a time;
// what is not published stays marked in Postgres and is taken by the next run.
import { type AdCount, isoMinute, mergeDisjointTopN, topN } from "@adclicks/core";
import type { Logger } from "pino";
import type { AggregatorMetrics } from "./metrics";

/** A final minute awaiting (re)publication, read in one snapshot. */
export interface MinuteToPublish {
  minute: number;
  lateClicks: number;
  /** The minute's per-ad totals, a bounded number at a time; each ad comes once. */
  chunks(): AsyncIterable<{ adId: string; clicks: number }[]>;
}

/** The minutes Postgres holds final and unpublished. */
export interface FinalMinutesPort {
  /** Runs `fn` on the oldest minute awaiting publication; returns it, or undefined when there is none. */
  withNext(fn: (m: MinuteToPublish) => Promise<void>): Promise<{ minute: number; lateClicks: number } | undefined>;
  /** Marks it published, unless more late clicks arrived since it was read. */
  markPublished(minute: number, lateClicksSeen: number): Promise<unknown>;
}

export interface FinalMinutePublisherOptions {
  minutes: FinalMinutesPort;
  /** Sends to the counts topic, acknowledged by all replicas. */
  send(messages: { key: string; value: string }[]): Promise<unknown>;
  topN: number;
  stopping(): boolean;
  metrics: Pick<AggregatorMetrics, "minutesPublished">;
  log: Logger;
}

export class FinalMinutePublisher {
  private running: Promise<void> | undefined;

  constructor(private readonly opts: FinalMinutePublisherOptions) {}

  /** Starts a run unless one is running (it takes the newly final minutes too). */
  kick(): void {
    this.running ??= this.publishAll().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when the run in progress, if any, is done. */
  async drained(): Promise<void> {
    await this.running;
  }

  private async publishAll(): Promise<void> {
    const { minutes, metrics } = this.opts;
    try {
      for (;;) {
        const done = await minutes.withNext((m) => this.publish(m));
        if (!done) return;
        await minutes.markPublished(done.minute, done.lateClicks);
        metrics.minutesPublished.inc();
        if (this.opts.stopping()) return;
      }
    } catch (err) {
      // Unpublished minutes stay marked in Postgres and are retried on the next checkpoint.
      this.opts.log.warn({ err }, "publishing final minutes failed; will retry");
    }
  }

  private async publish(m: MinuteToPublish): Promise<void> {
    const { send, topN: n } = this.opts;
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
            n,
          ),
        ],
        n,
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
  }
}
