// When a supervised app that exited is started again: exponential backoff (1 s doubling to
// 30 s, back to 1 s after a minute up), and giving up after repeated fast failures. Pure: the
// times are passed in, the decision comes back as a value, the supervisor carries it out.

export interface RestartPolicyOptions {
  /** Delay before the first restart, and again after a run that lasted `resetAfterMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long resets the backoff and the count of fast failures. */
  resetAfterMs: number;
  /** A run shorter than this is a fast failure (a crash at start-up, a bad config). */
  fastFailureMs: number;
  /** Consecutive fast failures after which restarting is pointless. */
  maxFastFailures: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
  fastFailureMs: 10_000,
  maxFastFailures: 5,
};

/** What the policy remembers between exits of one app. */
export interface RestartState {
  /** Restarts since the last reset: the next delay is initialDelayMs · 2^restarts, capped. */
  restarts: number;
  fastFailures: number;
}

export const INITIAL_RESTART_STATE: RestartState = { restarts: 0, fastFailures: 0 };

export interface ExitFacts {
  startedAtMs: number;
  exitedAtMs: number;
  /** A stop was asked for (SIGTERM/SIGINT to the supervisor): never restart then. */
  stopping: boolean;
}

export type RestartDecision =
  | { kind: "restart"; delayMs: number; state: RestartState }
  | { kind: "give-up"; reason: string; state: RestartState }
  | { kind: "stopped" };

export function decideRestart(
  state: RestartState,
  exit: ExitFacts,
  opts: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
): RestartDecision {
  if (exit.stopping) return { kind: "stopped" };
  const upMs = Math.max(0, exit.exitedAtMs - exit.startedAtMs);
  const base = upMs >= opts.resetAfterMs ? INITIAL_RESTART_STATE : state;
  const fastFailures = upMs < opts.fastFailureMs ? base.fastFailures + 1 : 0;
  if (fastFailures >= opts.maxFastFailures) {
    return {
      kind: "give-up",
      reason: `${fastFailures} failures in a row, each within ${formatMs(opts.fastFailureMs)} of starting`,
      state: { restarts: base.restarts, fastFailures },
    };
  }
  const delayMs = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** base.restarts);
  return { kind: "restart", delayMs, state: { restarts: base.restarts + 1, fastFailures } };
}

export function formatMs(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(ms % 1_000 === 0 ? 0 : 1)} s`;
}
