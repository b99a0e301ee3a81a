// `npm start`: runs the worker (main.ts) in a child process with the Node flags and environment
// of runtime.ts (they must be set before Node starts), passes SIGTERM/SIGINT on, exits as it does.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { WORKER_ENV, WORKER_NODE_FLAGS } from "./runtime";

const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const worker = spawn(process.execPath, [...WORKER_NODE_FLAGS, "--import", "tsx", main], {
  stdio: "inherit",
  env: { ...process.env, ...WORKER_ENV },
});
// The worker stops gracefully on either (a second one, as from a process-group kill, is a no-op).
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => worker.kill(signal));
worker.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
