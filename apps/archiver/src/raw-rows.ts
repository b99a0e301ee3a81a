// Turns ad-clicks messages into column arrays for one `unnest` insert into raw_clicks. Messages
// are validated again (ad servers also write to the topic directly) against the message's own
// timestamp, so a replay next week judges them exactly as today. Pure.
import { parseClick } from "@adclicks/core";
import { hourOf } from "./partitions";

export interface RawColumns {
  ts: string[];
  eventId: string[];
  adId: string[];
  userId: string[];
  ip: string[];
  country: string[];
}

export interface RawBatch {
  columns: RawColumns;
  /** Hours (epoch ms) the rows fall into: their partitions must exist before the insert. */
  hours: Set<number>;
  invalid: number;
  expired: number;
  maxEventMs: number;
}

export interface RawMessage {
  value: Buffer | null;
  /** Kafka message timestamp (ms, as a string, the way kafkajs gives it). */
  timestamp: string;
}

/**
 * Postgres text cannot hold NUL; a dead letter's payload may hold one. Keep the row, lose the NUL.
 * parseClick already rejects control characters in user_id: for clicks this is only a guard.
 */
export function pgText(s: string): string {
  return s.includes("\u0000") ? s.replaceAll("\u0000", "\uFFFD") : s;
}

export function toRawBatch(
  messages: readonly RawMessage[],
  opts: { cutoffMs: number; fallbackNowMs: number },
): RawBatch {
  const columns: RawColumns = { ts: [], eventId: [], adId: [], userId: [], ip: [], country: [] };
  const hours = new Set<number>();
  let invalid = 0;
  let expired = 0;
  let maxEventMs = 0;
  for (const m of messages) {
    if (!m.value) {
      invalid++;
      continue;
    }
    const stamp = Number(m.timestamp);
    const nowMs = Number.isFinite(stamp) && stamp > 0 ? stamp : opts.fallbackNowMs;
    const r = parseClick(m.value.toString("utf8"), { nowMs });
    if (!r.ok) {
      invalid++;
      continue;
    }
    const c = r.click;
    if (c.ts < opts.cutoffMs) {
      expired++;
      continue;
    }
    columns.ts.push(new Date(c.ts).toISOString());
    columns.eventId.push(c.eventId);
    columns.adId.push(c.adId);
    columns.userId.push(pgText(c.userId));
    columns.ip.push(c.ip); // canonical (parseClick): the ip filter compares one text per address
    columns.country.push(c.country);
    hours.add(hourOf(c.ts));
    if (c.ts > maxEventMs) maxEventMs = c.ts;
  }
  return { columns, hours, invalid, expired, maxEventMs };
}
