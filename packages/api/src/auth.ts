// Dashboard sign-in with better-auth (email + password, drizzle adapter, sessions in Postgres).
// Accounts are provisioned (seed, admin), never self-registered: sign-up is off. Sign-in is
// limited per account and per client network in Redis (sign-in-limit.ts); the client address
// is read only from a header the web server stamps itself, never from one a client can send.
import { authTables } from "@adclicks/db/auth-schema";
import type { Db } from "@adclicks/db/client";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError, createAuthMiddleware } from "better-auth/api";
import type { Redis } from "ioredis";
import { countInWindow } from "./rate-limit";
import { createSignInLimiter, type SignInLimits } from "./sign-in-limit";

export interface AuthOptions {
  db: Db;
  /** At least 32 random characters; signs session cookies. */
  secret: string;
  /** Public origin of the web app, or the hosts it may be reached on (origin from the request). */
  baseURL?: string | { allowedHosts: string[]; protocol?: "http" | "https" | "auto" } | undefined;
  trustedOrigins?: string[];
  /** Where the limits count (shared by every web process) and the key tag to count under. */
  redis: Redis;
  redisTag: string;
  /**
   * The request header holding the client's address as the web server itself set it (replacing
   * anything a client sent). Absent: the address is unknown and sign-in is limited per account only.
   */
  clientIpHeader?: string | undefined;
  signInLimits?: Partial<SignInLimits>;
  /** The clock of the limits' windows (tests move it). */
  now?: () => number;
}

const SIGN_IN_PATH = "/sign-in/email";

export function createAuth(opts: AuthOptions) {
  const limiter = createSignInLimiter({
    redis: opts.redis,
    tag: opts.redisTag,
    limits: opts.signInLimits,
    now: opts.now,
  });
  /** The account and address of a sign-in attempt; null for any other endpoint. */
  const signInOf = (ctx: { path?: string; body?: unknown; headers?: Headers | undefined }) => {
    if (ctx.path !== SIGN_IN_PATH) return null;
    const email = (ctx.body as { email?: unknown } | undefined)?.email;
    const address = opts.clientIpHeader ? (ctx.headers?.get(opts.clientIpHeader) ?? null) : null;
    return { email: typeof email === "string" ? email : null, address };
  };
  return betterAuth({
    secret: opts.secret,
    baseURL: opts.baseURL,
    trustedOrigins: opts.trustedOrigins,
    database: drizzleAdapter(opts.db, { provider: "pg", schema: authTables }),
    emailAndPassword: { enabled: true, disableSignUp: true },
    user: {
      additionalFields: {
        // input: false: a client can never set its own role or advertiser.
        role: { type: "string", required: true, defaultValue: "advertiser", input: false },
        advertiserId: { type: "string", required: false, input: false },
      },
    },
    session: { expiresIn: 7 * 24 * 3600, updateAge: 24 * 3600 },
    // better-auth keys its own limits (production only) and sessions' recorded address on this
    // header; without a trusted one it must not fall back to X-Forwarded-For, which anyone sends.
    advanced: {
      ipAddress: opts.clientIpHeader ? { ipAddressHeaders: [opts.clientIpHeader] } : { disableIpTracking: true },
    },
    rateLimit: {
      // Its per-address rules for the other endpoints, counted in Redis rather than per process.
      customStorage: {
        consume: async (key, rule) => {
          const c = await countInWindow(opts.redis, opts.redisTag, `auth:${key}`, rule.window * 1000, opts.now?.());
          return c.count <= rule.max
            ? { allowed: true, retryAfter: null }
            : { allowed: false, retryAfter: c.retryAfterSec };
        },
      },
      // Sign-in has the hooks' limits below, per account as well as per address.
      customRules: { [SIGN_IN_PATH]: false },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        const attempt = signInOf(ctx);
        if (!attempt) return;
        const decision = await limiter.attempt(attempt.email, attempt.address);
        if (!decision.allowed) {
          throw new APIError(
            "TOO_MANY_REQUESTS",
            {
              code: "TOO_MANY_SIGN_IN_ATTEMPTS",
              message: `too many failed sign-ins for this account or from this network: retry after ${decision.retryAfterSec} s`,
            },
            { "Retry-After": String(decision.retryAfterSec) },
          );
        }
      }),
      after: createAuthMiddleware(async (ctx) => {
        const attempt = signInOf(ctx);
        // A failed sign-in returns an APIError (401 and the like); only a success is taken back.
        if (attempt && !(ctx.context.returned instanceof Error))
          await limiter.succeeded(attempt.email, attempt.address);
      }),
    },
  });
}

export type AuthInstance = ReturnType<typeof createAuth>;
