// The dead-letter message on `ad-clicks-dlq`: why an input was rejected, where it came from,
// and the original payload (truncated), so nothing rejected is silently lost.
import { z } from "zod";

export const MAX_DEAD_LETTER_PAYLOAD = 8192;

export const deadLetterSchema = z.object({
  reason: z.string().min(1),
  detail: z.string().optional(),
  /** Who rejected it: "collector", "shipper:<file>:<line>", "aggregator", … */
  source: z.string().min(1),
  payload: z.string(),
  /** Where it was read from, when it came from Kafka. */
  topic: z.string().optional(),
  partition: z.number().int().optional(),
  offset: z.string().optional(),
  rejectedAt: z.number().int(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

export function deadLetterMessage(dl: Omit<DeadLetter, "payload"> & { payload: string | Buffer }) {
  const payload = typeof dl.payload === "string" ? dl.payload : dl.payload.toString("utf8");
  const value: DeadLetter = { ...dl, payload: payload.slice(0, MAX_DEAD_LETTER_PAYLOAD) };
  return { key: dl.reason, value: JSON.stringify(value) };
}
