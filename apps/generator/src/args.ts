// Command-line flags of the traffic generator, validated with zod; errors name the flag.
import { parseArgs } from "node:util";
import { z } from "zod";

export const USAGE = `usage: generator [options]

Produces realistic clicks (Zipf-distributed ads and users, weighted countries) at a target rate
to the HTTP collector, to NDJSON log files, or straight to Kafka.

  --target http|file|kafka  where to send (default http)
  --url <url>               collector endpoint (default http://localhost:$COLLECTOR_PORT/v1/clicks)
  --format ndjson|json      HTTP body format (default ndjson)
  --file <path>             log file to append to (target file)
  --rotate-bytes <n>        rename the log to <path>.<n> and start a new one past this size
  --rate <n>                events per second, 0 = as fast as possible (default 1000)
  --total <n>               stop after this many events
  --duration <s>            stop after this many seconds
  --batch <n>               events per request / write / produce (default 1000, at most 10000)
  --concurrency <n>         requests in flight (default 2)
  --ads <n>                 number of ads, named ad-1..ad-<n> by rank (default 2000000)
  --ad-ids <a,b,...>        explicit ad ids instead (first = hottest)
  --unknown-ads <n>         add ad-unknown-1..n, ids no advertiser owns (default 0)
  --zipf <s>                Zipf exponent of ad popularity (default 1.0)
  --users <n>               distinct users (default 1000000)
  --duplicates <r>          share of events re-sent with the same event_id (0..1)
  --late <r>                share of events with an old event time (0..1)
  --late-min-s, --late-max-s  how late (default 5 .. 300 s)
  --malformed <r>           share of malformed events (0..1)
  --burst-share <r>         share of traffic one hot ad takes during a burst (default 0: no bursts)
  --burst-every-s <s>, --burst-duration-s <s>  burst period and length (default 60, 10)
  --seed <s>                PRNG seed (default: random)
  --truth <path>            write the ground truth (valid distinct clicks per ad, minute, country) here at exit
  --quiet                   no progress line
  --help                    show this text

With --target http the events are sent with the ingest key in GENERATOR_INGEST_KEY
(npm run keys -- create --kind ingest --name NAME), as Authorization: Bearer.`;

const num = (flag: string) => z.coerce.number({ error: `--${flag} must be a number` });
const int = (flag: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  num(flag)
    .int(`--${flag} must be an integer`)
    .min(min, `--${flag} must be at least ${min}`)
    .max(max, `--${flag} must be at most ${max}`);
const ratio = (flag: string) =>
  num(flag).min(0, `--${flag} must be between 0 and 1`).max(1, `--${flag} must be between 0 and 1`).default(0);

const schema = z
  .object({
    target: z.enum(["http", "file", "kafka"], { error: "--target must be http, file or kafka" }).default("http"),
    url: z.url({ error: "--url must be a URL, e.g. http://localhost:4000/v1/clicks" }).optional(),
    format: z.enum(["ndjson", "json"], { error: "--format must be ndjson or json" }).default("ndjson"),
    file: z.string().min(1).optional(),
    rotateBytes: int("rotate-bytes", 1024).optional(),
    rate: num("rate").min(0, "--rate must be at least 0").default(1000),
    total: int("total", 1).optional(),
    duration: num("duration").positive("--duration must be positive").optional(),
    batch: int("batch", 1, 10_000).default(1000),
    concurrency: int("concurrency", 1, 64).default(2),
    ads: int("ads", 1, 100_000_000).default(2_000_000),
    adIds: z
      .string()
      .optional()
      .transform((s) =>
        s
          ?.split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .refine((a) => a === undefined || a.length > 0, "--ad-ids must list at least one id"),
    unknownAds: int("unknown-ads", 0, 1000).default(0),
    zipf: num("zipf").positive("--zipf must be positive").default(1.0),
    users: int("users", 1).default(1_000_000),
    duplicates: ratio("duplicates"),
    late: ratio("late"),
    lateMinS: num("late-min-s").min(0, "--late-min-s must be at least 0").default(5),
    lateMaxS: num("late-max-s").positive("--late-max-s must be positive").default(300),
    malformed: ratio("malformed"),
    burstShare: ratio("burst-share"),
    burstEveryS: num("burst-every-s").positive("--burst-every-s must be positive").default(60),
    burstDurationS: num("burst-duration-s").positive("--burst-duration-s must be positive").default(10),
    seed: z.string().optional(),
    truth: z.string().min(1).optional(),
    quiet: z.boolean().default(false),
  })
  .refine((a) => a.target !== "file" || a.file !== undefined, { message: "--file is required with --target file" })
  .refine((a) => a.lateMinS <= a.lateMaxS, { message: "--late-min-s must not exceed --late-max-s" })
  .refine((a) => a.duplicates + a.malformed <= 1, { message: "--duplicates plus --malformed must not exceed 1" });
export type GeneratorArgs = z.infer<typeof schema>;

export type ParsedArgs = { ok: true; args: GeneratorArgs } | { ok: false; message: string; help?: boolean };

const FLAGS = {
  target: "target",
  url: "url",
  format: "format",
  file: "file",
  "rotate-bytes": "rotateBytes",
  rate: "rate",
  total: "total",
  duration: "duration",
  batch: "batch",
  concurrency: "concurrency",
  ads: "ads",
  "ad-ids": "adIds",
  "unknown-ads": "unknownAds",
  zipf: "zipf",
  users: "users",
  duplicates: "duplicates",
  late: "late",
  "late-min-s": "lateMinS",
  "late-max-s": "lateMaxS",
  malformed: "malformed",
  "burst-share": "burstShare",
  "burst-every-s": "burstEveryS",
  "burst-duration-s": "burstDurationS",
  seed: "seed",
  truth: "truth",
} as const;

export function parseGeneratorArgs(argv: string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" as const }]));
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { ...options, quiet: { type: "boolean" }, help: { type: "boolean" } },
    }));
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
  if (values.help) return { ok: false, message: USAGE, help: true };
  const input: Record<string, unknown> = { quiet: values.quiet };
  for (const [flag, key] of Object.entries(FLAGS)) input[key] = values[flag];
  const r = schema.safeParse(input);
  if (!r.success) return { ok: false, message: r.error.issues.map((i) => i.message).join("; ") };
  return { ok: true, args: r.data };
}
