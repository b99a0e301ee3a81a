// The CLIs' arguments: `--from ISO --to ISO [--ads a,b]`, validated with zod into a range of
// whole minutes, with errors that name the argument and say what is expected.
import { parseArgs } from "node:util";
import type { RecountRange } from "@adclicks/core";
import { z } from "zod";

const MINUTE_MS = 60_000;
const MAX_RANGE_MS = 31 * 24 * 3_600_000;

const instant = (name: string) =>
  z
    .string({ error: `${name} is required: an ISO-8601 time, e.g. 2026-12-02T10:00:00Z` })
    .refine((s) => z.iso.datetime({ offset: true }).safeParse(s).success, {
      error: `${name} must be an ISO-8601 time with a zone, e.g. 2026-12-02T10:00:00Z`,
    })
    .transform((s) => Date.parse(s))
    .refine((ms) => ms % MINUTE_MS === 0, { error: `${name} must be a whole minute (rollups are per minute)` });

export const rangeArgsSchema = z
  .object({
    from: instant("--from"),
    to: instant("--to"),
    ads: z
      .string()
      .optional()
      .transform((s) => (s === undefined ? undefined : s.split(",").map((a) => a.trim())))
      .pipe(
        z
          .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "--ads: comma-separated ad ids of [A-Za-z0-9_.:-]"))
          .min(1)
          .max(10_000, "--ads: at most 10000 ad ids")
          .optional(),
      ),
  })
  .refine((a) => a.to > a.from, { error: "--to must be after --from", path: ["to"] })
  .refine((a) => a.to - a.from <= MAX_RANGE_MS, { error: "the range may span at most 31 days", path: ["to"] });

export type ParsedArgs = { ok: true; range: RecountRange } | { ok: false; error: string };

export function parseRangeArgs(argv: readonly string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { from: { type: "string" }, to: { type: "string" }, ads: { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { ok: false, error: `${(err as Error).message}; usage: --from ISO --to ISO [--ads a,b]` };
  }
  const r = rangeArgsSchema.safeParse(values);
  if (!r.success) return { ok: false, error: r.error.issues.map((i) => i.message).join("; ") };
  return { ok: true, range: { fromMs: r.data.from, toMs: r.data.to, adIds: r.data.ads } };
}
