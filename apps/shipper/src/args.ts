// Command-line flags of the shipper, validated with zod; errors name the offending flag.
import { parseArgs } from "node:util";
import { z } from "zod";

export const USAGE = `usage: shipper --state <file> [options] <path-or-glob>...

Tails NDJSON click logs and produces them to Kafka (ad-clicks; invalid lines to ad-clicks-dlq),
recording each file's offset in the state file only after Kafka acknowledged.

  --state <file>          where progress is kept (required; written atomically)
  --poll-ms <n>           how often to look for new data and files (default 250)
  --chunk-bytes <n>       bytes read per produce request (default 524288)
  --rotate-grace-ms <n>   keep reading a rotated-away file this long after it stops growing (default 5000)
  --from-end              start files never seen before at their end instead of their beginning
  --once                  exit once every file has been shipped to its end (backfills, benchmarks)
  --workers <n>           threads that validate and produce, each with its own Kafka producer;
                          0 does it on the main thread with one (default 2)
  --metrics-port <n>      serve Prometheus /metrics on this port (default: off)
  --help                  show this text`;

const int = (flag: string, min: number, max: number) =>
  z.coerce
    .number({ error: `--${flag} must be a number` })
    .int(`--${flag} must be an integer`)
    .min(min, `--${flag} must be at least ${min}`)
    .max(max, `--${flag} must be at most ${max}`);

const schema = z.object({
  state: z.string({ error: "--state is required: the file where the shipper keeps its progress" }).min(1),
  pollMs: int("poll-ms", 10, 60_000).default(250),
  chunkBytes: int("chunk-bytes", 4096, 8 * 1024 * 1024).default(512 * 1024),
  rotateGraceMs: int("rotate-grace-ms", 0, 3_600_000).default(5_000),
  fromEnd: z.boolean().default(false),
  once: z.boolean().default(false),
  workers: int("workers", 0, 16).default(2),
  metricsPort: int("metrics-port", 0, 65535).optional(),
  patterns: z.array(z.string().min(1)).min(1, "give at least one log file path or glob"),
});
export type ShipperArgs = z.infer<typeof schema>;

export type ParsedArgs = { ok: true; args: ShipperArgs } | { ok: false; message: string; help?: boolean };

export function parseShipperArgs(argv: string[]): ParsedArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: false, message: USAGE, help: true };
  const r = schema.safeParse({
    state: values.state,
    pollMs: values["poll-ms"],
    chunkBytes: values["chunk-bytes"],
    rotateGraceMs: values["rotate-grace-ms"],
    fromEnd: values["from-end"],
    once: values.once,
    workers: values.workers,
    metricsPort: values["metrics-port"],
    patterns: positionals,
  });
  if (!r.success) return { ok: false, message: r.error.issues.map((i) => i.message).join("; ") };
  return { ok: true, args: r.data };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      state: { type: "string" },
      "poll-ms": { type: "string" },
      "chunk-bytes": { type: "string" },
      "rotate-grace-ms": { type: "string" },
      "from-end": { type: "boolean" },
      once: { type: "boolean" },
      workers: { type: "string" },
      "metrics-port": { type: "string" },
      help: { type: "boolean" },
    },
  });
}
