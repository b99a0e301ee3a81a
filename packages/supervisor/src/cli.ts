#!/usr/bin/env -S node --import tsx
// `adclicks-supervise --name NAME [policy flags] -- COMMAND ARGS...`: runs one app under the
// supervisor (restarts with backoff, gives up on repeated fast failures). SIGTERM/SIGINT stop
// the app and then the supervisor; it exits 1 when it gave up. scripts/start.sh runs each app so.
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_RESTART_POLICY } from "./restart-policy";
import { Supervisor } from "./supervisor";

const USAGE = `usage: adclicks-supervise --name NAME [options] -- COMMAND [ARGS...]
  --initial-delay-ms <n>  first restart delay (default ${DEFAULT_RESTART_POLICY.initialDelayMs})
  --max-delay-ms <n>      backoff cap (default ${DEFAULT_RESTART_POLICY.maxDelayMs})
  --reset-after-ms <n>    a run this long resets the backoff (default ${DEFAULT_RESTART_POLICY.resetAfterMs})
  --fast-failure-ms <n>   a run shorter than this is a fast failure (default ${DEFAULT_RESTART_POLICY.fastFailureMs})
  --max-fast-failures <n> give up after this many in a row (default ${DEFAULT_RESTART_POLICY.maxFastFailures})
  --stop-timeout-ms <n>   SIGKILL an app that has not stopped this long after SIGTERM (default 25000)
  --pid-file <path>       write the running app's pid here at every start
  --announce <path>       also append the supervisor's lines to this file`;

const ms = (flag: string, def: number) =>
  z.coerce
    .number({ error: `--${flag} must be a number of milliseconds` })
    .int(`--${flag} must be a whole number`)
    .min(0, `--${flag} must be at least 0`)
    .default(def);
const schema = z.strictObject({
  name: z.string({ error: "--name is required" }).regex(/^[\w.-]{1,40}$/, "--name: 1-40 of [A-Za-z0-9_.-]"),
  "initial-delay-ms": ms("initial-delay-ms", DEFAULT_RESTART_POLICY.initialDelayMs),
  "max-delay-ms": ms("max-delay-ms", DEFAULT_RESTART_POLICY.maxDelayMs),
  "reset-after-ms": ms("reset-after-ms", DEFAULT_RESTART_POLICY.resetAfterMs),
  "fast-failure-ms": ms("fast-failure-ms", DEFAULT_RESTART_POLICY.fastFailureMs),
  "max-fast-failures": z.coerce
    .number({ error: "--max-fast-failures must be a number" })
    .int()
    .min(1, "--max-fast-failures must be at least 1")
    .default(DEFAULT_RESTART_POLICY.maxFastFailures),
  "stop-timeout-ms": ms("stop-timeout-ms", 25_000),
  "pid-file": z.string().min(1).optional(),
  announce: z.string().min(1).optional(),
});

const stringFlags = Object.keys(schema.shape).map((k) => [k, { type: "string" as const }]);
let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({ options: Object.fromEntries(stringFlags), allowPositionals: true, strict: true });
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const flags = schema.safeParse(parsed.values);
const [command, ...args] = parsed.positionals;
if (!flags.success || command === undefined) {
  console.error(
    `${flags.success ? "no COMMAND after --" : flags.error.issues.map((i) => i.message).join("; ")}\n${USAGE}`,
  );
  process.exit(2);
}
const f = flags.data;
const announce = f.announce;
const supervisor = new Supervisor(
  { name: f.name, command, args, pidFile: f["pid-file"] },
  {
    policy: {
      initialDelayMs: f["initial-delay-ms"],
      maxDelayMs: f["max-delay-ms"],
      resetAfterMs: f["reset-after-ms"],
      fastFailureMs: f["fast-failure-ms"],
      maxFastFailures: f["max-fast-failures"],
    },
    stopTimeoutMs: f["stop-timeout-ms"],
    log: (line) => {
      process.stderr.write(`${line}\n`);
      if (announce) appendFileSync(announce, `${line}\n`);
    },
  },
);
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const)
  process.on(signal, () => void supervisor.stop("SIGTERM"));
const result = await supervisor.done;
process.exit(result.kind === "gave-up" ? 1 : 0);
