// Sign-in attempts limited per account and per client network, counted in Redis so that every
// web process sees the same counts. An attempt is counted before the password is checked (so
// parallel guesses cannot slip past the count) and taken back if it succeeds: only failures
// add up. Over either limit, sign-in is refused, a correct password included, until the window ends.
import { createHash } from "node:crypto";
import { clientNetwork } from "@adclicks/core";
import type { Redis } from "ioredis";
import { countInWindow, refundRateLimit, windowCounter } from "./rate-limit";

export interface SignInLimits {
  /** Failed attempts per account (email) per window: a password guesser, from anywhere. */
  perAccount: number;
  /** Failed attempts per client network per window: one client trying many accounts. */
  perNetwork: number;
  windowMs: number;
}

/**
 * Ten failures in fifteen minutes is more than a person mistyping makes, and lets a guesser
 * try under a thousand passwords a day per account; thirty per network leaves room for an
 * office behind one address.
 */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perAccount: 10, perNetwork: 30, windowMs: 15 * 60_000 };

export type SignInDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

export interface SignInLimiter {
  /** Counts an attempt for `email` from `address` (null: unknown) and says whether it may go on. */
  attempt(email: string | null, address: string | null): Promise<SignInDecision>;
  /**
   * The attempt signed in: it does not count. (Should the window have turned meanwhile, the
   * new window's count drops by one instead: at most one extra guess, once per window.)
   */
  succeeded(email: string | null, address: string | null): Promise<void>;
}

export function createSignInLimiter(opts: {
  redis: Redis;
  tag: string;
  limits?: Partial<SignInLimits>;
  now?: () => number;
}): SignInLimiter {
  const limits = { ...DEFAULT_SIGN_IN_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const countersOf = (email: string | null, address: string | null): [string, number][] => {
    const out: [string, number][] = [];
    // Hashed: the counters name no email address. Case and spaces do not make a new account.
    if (email !== null) out.push([`signin:account:${sha256(email.trim().toLowerCase())}`, limits.perAccount]);
    const network = address === null ? undefined : clientNetwork(address);
    if (network !== undefined) out.push([`signin:network:${network}`, limits.perNetwork]);
    return out;
  };
  return {
    async attempt(email, address) {
      const nowMs = now();
      let retryAfterSec = 0;
      for (const [id, limit] of countersOf(email, address)) {
        const c = await countInWindow(opts.redis, opts.tag, id, limits.windowMs, nowMs);
        if (c.count > limit) retryAfterSec = Math.max(retryAfterSec, c.retryAfterSec);
      }
      return retryAfterSec > 0 ? { allowed: false, retryAfterSec } : { allowed: true };
    },
    async succeeded(email, address) {
      const nowMs = now();
      for (const [id] of countersOf(email, address)) {
        await refundRateLimit(opts.redis, windowCounter(opts.tag, id, limits.windowMs, nowMs));
      }
    },
  };
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
