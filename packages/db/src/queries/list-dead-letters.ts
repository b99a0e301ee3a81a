// The ops view's dead-letter browser: the newest dead letters first, optionally of one reason,
// a page at a time (keyset on id), each with a payload sample; and the reasons seen in the last
// 24 h for its filter. Bounded by the first_seen and reason indexes.
import { sql } from "drizzle-orm";
import type { Db } from "../client";

export interface DeadLetterRow {
  id: number;
  reason: string;
  source: string;
  detail: string | null;
  firstSeenMs: number;
  /** The payload's first characters (the full payload can be kilobytes). */
  payloadSample: string;
  payloadChars: number;
}

export const DEAD_LETTER_SAMPLE_CHARS = 300;

export async function listDeadLetters(
  db: Db,
  input: { reason?: string; beforeId?: number; limit: number },
): Promise<{ rows: DeadLetterRow[]; reasons: { reason: string; count: number }[] }> {
  const [rows, reasons] = await Promise.all([
    db.execute<{
      id: string;
      reason: string;
      source: string;
      detail: string | null;
      first_seen: Date;
      sample: string;
      chars: number;
    }>(sql`select id, reason, source, detail, first_seen, left(payload, ${DEAD_LETTER_SAMPLE_CHARS}) as sample,
                  length(payload) as chars
             from dead_letters
            where (${input.reason ?? null}::text is null or reason = ${input.reason ?? null})
              and (${input.beforeId ?? null}::bigint is null or id < ${input.beforeId ?? null})
            order by id desc
            limit ${input.limit}`),
    db.execute<{ reason: string; n: string }>(
      sql`select reason, count(*)::bigint as n from dead_letters
           where first_seen > now() - interval '24 hours' group by reason order by n desc, reason`,
    ),
  ]);
  return {
    rows: rows.rows.map((r) => ({
      id: Number(r.id),
      reason: r.reason,
      source: r.source,
      detail: r.detail,
      firstSeenMs: new Date(r.first_seen).getTime(),
      payloadSample: r.sample,
      payloadChars: Number(r.chars),
    })),
    reasons: reasons.rows.map((r) => ({ reason: r.reason, count: Number(r.n) })),
  };
}
