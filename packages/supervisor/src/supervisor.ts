// Runs one app as a child process and starts it again when it exits unexpectedly, as the
// restart policy decides; a line for every start, exit, restart and give-up. The child gets a
// process group of its own so that a restart also ends whatever it left behind (npm → sh →
// node), and a stop reaches all of it.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import {
  DEFAULT_RESTART_POLICY,
  decideRestart,
  formatMs,
  INITIAL_RESTART_STATE,
  type RestartPolicyOptions,
  type RestartState,
} from "./restart-policy";

export interface SupervisedApp {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written with the running child's pid at every start (for tools that fault-inject). */
  pidFile?: string;
  /** The app's stdout and stderr are appended here (default: the supervisor's own). */
  logFile?: string;
}

export interface SupervisorOptions {
  policy?: RestartPolicyOptions;
  /** After a stop's SIGTERM, how long the app may take before its group is SIGKILLed. */
  stopTimeoutMs?: number;
  /** Where the supervisor's own lines go. */
  log?: (line: string) => void;
  now?: () => number;
}

export type SupervisorResult = { kind: "stopped" } | { kind: "gave-up"; reason: string };

/** How a child ended, as a person reads it. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code ?? "?"}`;
}

export class Supervisor {
  readonly done: Promise<SupervisorResult>;
  private child: ChildProcess | undefined;
  private state: RestartState = INITIAL_RESTART_STATE;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private finish!: (r: SupervisorResult) => void;
  private readonly policy: RestartPolicyOptions;
  private readonly log: (line: string) => void;
  private readonly now: () => number;

  constructor(
    private readonly app: SupervisedApp,
    private readonly opts: SupervisorOptions = {},
  ) {
    this.policy = opts.policy ?? DEFAULT_RESTART_POLICY;
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.now = opts.now ?? Date.now;
    this.done = new Promise((resolve) => (this.finish = resolve));
    this.start();
  }

  /** The running child's pid (undefined between a crash and its restart). */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** SIGTERM to the app's group, SIGKILL after the timeout; nothing is restarted from now on. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<SupervisorResult> {
    if (!this.stopping) {
      this.stopping = true;
      clearTimeout(this.restartTimer);
      const child = this.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        this.say(`stopping (${signal} to pid ${child.pid})`);
        this.signalGroup(child, signal);
        const timer = setTimeout(() => {
          this.say(`did not stop within ${formatMs(this.opts.stopTimeoutMs ?? 25_000)}: SIGKILL`);
          this.signalGroup(child, "SIGKILL");
        }, this.opts.stopTimeoutMs ?? 25_000);
        child.once("exit", () => clearTimeout(timer));
      } else {
        this.finish({ kind: "stopped" });
      }
    }
    return this.done;
  }

  private start(): void {
    const startedAtMs = this.now();
    const out = this.app.logFile === undefined ? "inherit" : openSync(this.app.logFile, "a");
    const child = spawn(this.app.command, this.app.args, {
      cwd: this.app.cwd,
      env: this.app.env ?? process.env,
      stdio: ["ignore", out, out],
      detached: true,
    });
    if (typeof out === "number") closeSync(out); // the child has its own copy
    this.child = child;
    child.once("error", (err) => this.say(`could not start ${this.app.command}: ${err.message}`));
    if (child.pid !== undefined) {
      this.say(`started (pid ${child.pid})`);
      if (this.app.pidFile) writeFileSync(this.app.pidFile, `${child.pid}\n`);
    }
    child.once("close", (code, signal) => this.onExit(child, startedAtMs, code, signal));
  }

  private onExit(child: ChildProcess, startedAtMs: number, code: number | null, signal: NodeJS.Signals | null): void {
    // Whatever the app started and left running goes with it.
    this.signalGroup(child, "SIGKILL");
    const exitedAtMs = this.now();
    const how = `${describeExit(code, signal)} after ${formatMs(exitedAtMs - startedAtMs)}`;
    const d = decideRestart(this.state, { startedAtMs, exitedAtMs, stopping: this.stopping }, this.policy);
    switch (d.kind) {
      case "stopped":
        this.say(`stopped (${how})`);
        this.finish({ kind: "stopped" });
        return;
      case "give-up":
        this.state = d.state;
        this.say(`${how}: giving up, ${d.reason}`);
        this.finish({ kind: "gave-up", reason: d.reason });
        return;
      case "restart":
        this.state = d.state;
        this.say(`${how}: restarting in ${formatMs(d.delayMs)} (restart ${d.state.restarts} since the last reset)`);
        this.restartTimer = setTimeout(() => this.start(), d.delayMs);
    }
  }

  private signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is gone already, which is what we wanted
    }
  }

  private say(msg: string): void {
    this.log(`[supervisor] ${new Date(this.now()).toISOString()} ${this.app.name} ${msg}`);
  }
}
