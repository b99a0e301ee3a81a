// Runs workspace entry points (TypeScript, through tsx) as child processes for integration tests
// and benches, the way `npm start` would, and kills whatever a test file leaves running.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: children run from it, as the npm scripts do. */
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface TsxOptions {
  env: NodeJS.ProcessEnv;
  /** Where the child's stdout goes (stderr is always inherited). */
  stdout?: "inherit" | "ignore" | "pipe";
}

/** Every child started through one of these, until it exits; `killAll` in `afterAll`. */
export class ChildProcesses {
  private readonly live = new Set<ChildProcess>();

  /** `node --import tsx <script> ...args` from the repository root. */
  tsx(script: string, args: string[], opts: TsxOptions): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: REPO_ROOT,
      env: opts.env,
      stdio: ["ignore", opts.stdout ?? "inherit", "inherit"],
    });
    this.live.add(child);
    child.on("exit", () => this.live.delete(child));
    return child;
  }

  killAll(signal: NodeJS.Signals = "SIGKILL"): void {
    for (const c of this.live) c.kill(signal);
  }
}

/**
 * Resolves with the exit code once the child has exited (null when a signal ended it), also when
 * that happened before the call: "exit" is emitted only once.
 */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once("exit", resolve),
  );
}
