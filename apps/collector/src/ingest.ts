// Validates each event of a request and turns it into Kafka messages: valid clicks for
// `ad-clicks` (canonical form, keyed by ad_id, or split keys for a hot ad), rejected ones as dead letters with the reason
// and the original text. Pure: the caller passes the clock and does the producing.
import { type HotAdRouter, parseClick, type RejectReason } from "@adclicks/core";
import { clickMessage, deadLetterMessage } from "@adclicks/kafka";

export interface EventError {
  index: number;
  reason: RejectReason;
  detail?: string;
}

export interface IngestOutcome {
  clicks: Array<{ key: string; value: string }>;
  deadLetters: Array<{ key: string; value: string }>;
  errors: EventError[];
}

export function ingestEvents(
  items: readonly string[],
  opts: { nowMs: number; source: string; hotAds?: HotAdRouter; maxFutureSkewMs?: number },
): IngestOutcome {
  const clicks: IngestOutcome["clicks"] = [];
  const deadLetters: IngestOutcome["deadLetters"] = [];
  const errors: EventError[] = [];
  for (let index = 0; index < items.length; index++) {
    const raw = items[index]!;
    const r = parseClick(raw, { nowMs: opts.nowMs, maxFutureSkewMs: opts.maxFutureSkewMs });
    if (r.ok) {
      const message = clickMessage(r.click);
      // A hot ad of this click's minute is spread over several keys (a duplicate gets the same one).
      if (opts.hotAds) message.key = opts.hotAds.keyFor(r.click.adId, r.click.eventId, r.click.ts);
      clicks.push(message);
      continue;
    }
    errors.push(r.detail === undefined ? { index, reason: r.reason } : { index, reason: r.reason, detail: r.detail });
    deadLetters.push(
      deadLetterMessage({
        reason: r.reason,
        detail: r.detail,
        source: opts.source,
        payload: raw,
        rejectedAt: opts.nowMs,
      }),
    );
  }
  return { clicks, deadLetters, errors };
}
