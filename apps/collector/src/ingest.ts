// Validates each event of a request and turns it into Kafka messages: valid clicks for
// `ad-clicks` (canonical form, keyed by ad_id, or split keys for a hot ad), rejected ones as dead
// letters with the reason and the original text; and judges whether the request is mostly
// garbage, to be refused whole. Pure: the caller passes the clock and does the producing.
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

/**
 * A request is refused whole (400, nothing produced) when more than half of its events are
 * invalid and at least this many are: a few bad events among good ones are an ad server's odd
 * record, kept as dead letters with their reasons; a body that is mostly garbage is a broken or
 * hostile sender, and dead-lettering it would turn 20 KB of `[1,1,1,…]` into 10,000 messages
 * and rows. Below the minimum a request costs at most that many dead letters, which the
 * per-key rate limit (charged for every event, valid or not) bounds anyway.
 */
export const REFUSE_MIN_INVALID = 10;
/** Errors listed in a refusal (each with its index and reason): enough to see the pattern. */
export const FIRST_ERRORS = 10;

export type BatchVerdict = { refuse: false } | { refuse: true; message: string; firstErrors: EventError[] };

export function judgeBatch(outcome: IngestOutcome): BatchVerdict {
  const invalid = outcome.errors.length;
  const total = invalid + outcome.clicks.length;
  if (invalid < REFUSE_MIN_INVALID || invalid * 2 <= total) return { refuse: false };
  return {
    refuse: true,
    message: `${invalid} of ${total} events are invalid (more than half): nothing was accepted; fix them and send the request again (the first ${Math.min(invalid, FIRST_ERRORS)} errors are listed)`,
    firstErrors: outcome.errors.slice(0, FIRST_ERRORS),
  };
}
