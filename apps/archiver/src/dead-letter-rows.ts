// Turns ad-clicks-dlq messages into column arrays for one insert into dead_letters, bounding
// the payload. A message that is not a dead letter at all is kept too, as "unreadable". Pure.
import { deadLetterSchema } from "@adclicks/kafka";
import { pgText } from "./raw-rows";

export interface DeadLetterColumns {
  reason: string[];
  source: string[];
  detail: Array<string | null>;
  payload: string[];
  kafkaPartition: Array<number | null>;
  kafkaOffset: Array<string | null>;
  firstSeen: string[];
}

export function toDeadLetterColumns(
  messages: ReadonlyArray<{ value: Buffer | null; timestamp: string }>,
  opts: { maxPayload: number; nowMs: number },
): DeadLetterColumns {
  const cols: DeadLetterColumns = {
    reason: [],
    source: [],
    detail: [],
    payload: [],
    kafkaPartition: [],
    kafkaOffset: [],
    firstSeen: [],
  };
  const bound = (s: string) => pgText(s.length > opts.maxPayload ? s.slice(0, opts.maxPayload) : s);
  for (const m of messages) {
    const text = m.value?.toString("utf8") ?? "";
    let parsed: ReturnType<typeof deadLetterSchema.safeParse> | undefined;
    try {
      parsed = deadLetterSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    const stamp = Number(m.timestamp);
    if (parsed?.success) {
      const d = parsed.data;
      cols.reason.push(bound(d.reason).slice(0, 200));
      cols.source.push(bound(d.source).slice(0, 1000));
      cols.detail.push(d.detail === undefined ? null : bound(d.detail));
      cols.payload.push(bound(d.payload));
      cols.kafkaPartition.push(d.partition ?? null);
      cols.kafkaOffset.push(d.offset !== undefined && /^\d{1,18}$/.test(d.offset) ? d.offset : null);
      cols.firstSeen.push(isoOr(d.rejectedAt, opts.nowMs));
    } else {
      cols.reason.push("unreadable_dead_letter");
      cols.source.push("dlq");
      cols.detail.push("the message on the dead-letter topic is not a dead-letter record");
      cols.payload.push(bound(text));
      cols.kafkaPartition.push(null);
      cols.kafkaOffset.push(null);
      cols.firstSeen.push(isoOr(stamp, opts.nowMs));
    }
  }
  return cols;
}

/**
 * An instant as ISO-8601, or now when it is not a plausible epoch-ms value; never after now, so a
 * stamp from the future cannot keep a row past its retention.
 */
function isoOr(ms: number, nowMs: number): string {
  return new Date(Number.isFinite(ms) && ms > 0 && ms < nowMs ? ms : nowMs).toISOString();
}
