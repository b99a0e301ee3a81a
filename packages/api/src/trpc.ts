// tRPC setup: the context (an inner one from plain values for tests, the request-bound one that
// reads headers), the error formatter (zod issues, field named in the message) and the base
// procedures: public, advertiser (any signed-in user or valid key), ops (ops role only); every
// caller is rate limited, and a database that cannot answer in time is a 503, never a hang.
import { type Db, isDatabaseBusy } from "@adclicks/db/client";
import type { LiveWindows } from "@adclicks/db/queries";
import { type ApiKeyCache, QueryInputError, verifyApiKey } from "@adclicks/db/queries";
import type { RedisKeys } from "@adclicks/live";
import { initTRPC, TRPCError } from "@trpc/server";
import type { Redis } from "ioredis";
import superjson from "superjson";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError, z } from "zod";
import { type Caller, isOps, isViewer, type Viewer } from "./access";
import type { AuthInstance } from "./auth";
import { DEFAULT_USER_RATE_LIMIT_PER_MINUTE, MAX_BATCH_SIZE } from "./limits";
import type { MonitoringClient } from "./monitoring/client";
import { RateLimitedError, RetryLaterError, takeRateLimit } from "./rate-limit";

/** Long-lived dependencies, built once per process (or per test file). */
export interface ApiDeps {
  db: Db;
  /** The API's own Redis use (rate limits) and its keys' prefix. */
  redis: Redis;
  redisKeys: RedisKeys;
  /** The live windows queries read (`createLiveWindows` of @adclicks/live), or null: Postgres only. */
  live: LiveWindows | null;
  /** The wall clock (epoch ms) the queries' "last M minutes" end with; tests pin it. */
  now: () => number;
  /** better-auth, for session cookies; absent in tests that pass the caller directly. */
  auth?: AuthInstance;
  /** Verified partner keys kept in memory (revocations are heard at once); absent: Postgres every time. */
  keyCache?: ApiKeyCache;
  /** Requests per minute of one signed-in user (partner keys carry their own limit). */
  userRateLimitPerMinute?: number;
  /** Prometheus and Alertmanager, for the ops procedures; absent: they say "not configured". */
  monitoring?: MonitoringClient;
}

export interface Context extends ApiDeps {
  caller: Caller;
}

/** The inner context: plain values, no request (what createCaller tests use). */
export function createInnerContext(deps: ApiDeps, caller: Caller): Context {
  return { ...deps, caller };
}

/**
 * Who is calling, from request headers. An Authorization header must carry a valid partner key
 * (a bad one is refused even if a session cookie is present too); otherwise the session cookie.
 */
export async function resolveCaller(deps: ApiDeps, headers: Headers): Promise<Caller> {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m?.[1]) return { kind: "rejected-key", reason: "not-bearer" };
    const check = deps.keyCache ? await deps.keyCache.verify(deps.db, m[1]) : await verifyApiKey(deps.db, m[1]);
    if (!check.ok) return { kind: "rejected-key", reason: check.reason };
    const { id, name, scope, rateLimitPerMinute } = check.key;
    return { kind: "key", keyId: id, name, scope, rateLimitPerMinute };
  }
  if (!deps.auth) return { kind: "anonymous" };
  const session = await deps.auth.api.getSession({ headers });
  if (!session) return { kind: "anonymous" };
  return viewerFromUser(session.user);
}

/** Maps a better-auth user (with our role / advertiserId fields) to a viewer. */
export function viewerFromUser(user: {
  id: string;
  email: string;
  name: string;
  role?: string | null;
  advertiserId?: string | null;
}): Caller {
  const base = { kind: "user" as const, userId: user.id, email: user.email, name: user.name };
  if (user.role === "ops") return { ...base, role: "ops" };
  // The database refuses an advertiser user without an advertiser; treat any such row as nobody.
  if (user.role === "advertiser" && user.advertiserId) {
    return { ...base, role: "advertiser", advertiserId: user.advertiserId };
  }
  return { kind: "anonymous" };
}

export async function createContext(deps: ApiDeps, headers: Headers): Promise<Context> {
  try {
    return createInnerContext(deps, await resolveCaller(deps, headers));
  } catch (err) {
    // Checking a key or a session reads Postgres too: a busy database is a 503 here as well.
    if (isDatabaseBusy(err)) throw databaseBusy(err);
    throw err;
  }
}

/** Retry-After of a 503 for a database that did not answer in time: about one dashboard refresh. */
export const BUSY_RETRY_AFTER_SEC = 5;

function databaseBusy(cause: unknown): TRPCError {
  const message = `the database did not answer in time: retry in ${BUSY_RETRY_AFTER_SEC} s, or ask for a shorter range or fewer filters`;
  return new TRPCError({
    code: "SERVICE_UNAVAILABLE",
    message,
    cause: new RetryLaterError(message, BUSY_RETRY_AFTER_SEC, { cause }),
  });
}

type Issue = z.core.$ZodIssue;

/** One line per issue, each naming its field: "count: must be at most 1000". */
export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => {
      if (i.code === "unrecognized_keys") return `${i.keys.join(", ")}: unknown parameter`;
      const field = i.path.length > 0 ? i.path.map(String).join(".") : "input";
      return `${field}: ${i.message}`;
    })
    .join("; ");
}

// tRPC's own words for a batch over maxBatchSize (http.ts): said again with the limit in it.
const BATCH_TOO_LARGE = "Batch call exceeds maximum size";

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const zodError = error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause : null;
      return {
        ...shape,
        // Internal errors keep their detail in the server log, not in the response.
        message: zodError
          ? describeIssues(zodError.issues)
          : error.code === "INTERNAL_SERVER_ERROR"
            ? "internal error"
            : error.message === BATCH_TOO_LARGE
              ? `batch: at most ${MAX_BATCH_SIZE} calls per batch request; split the batch`
              : shape.message,
        data: { ...shape.data, stack: undefined, zodError: zodError ? z.flattenError(zodError) : null },
      };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Errors read the same from every interface: input validation (which runs after this
 * middleware, so its error passes through here) gets a message naming each field, also for
 * createCaller users; typed query-layer refusals (a range the stores cannot answer) are 400; a
 * query cancelled by the statement timeout, or no free connection in time, is a 503 to retry.
 */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (result.error.code === "BAD_REQUEST" && cause instanceof ZodError) {
    throw new TRPCError({ code: "BAD_REQUEST", message: describeIssues(cause.issues), cause });
  }
  if (cause instanceof QueryInputError) {
    throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  }
  if (isDatabaseBusy(cause)) throw databaseBusy(cause);
  return result;
});

export const publicProcedure = t.procedure.use(errorMapping);

function unauthorized(caller: Caller): TRPCError {
  const message =
    caller.kind === "rejected-key"
      ? caller.reason === "revoked"
        ? "API key revoked"
        : caller.reason === "not-bearer"
          ? "Authorization: expected 'Bearer <API key>'"
          : caller.reason === "malformed"
            ? "API key malformed: expected acp_<id>_<secret>"
            : "API key not recognised"
      : "sign in, or send Authorization: Bearer <API key>";
  return new TRPCError({ code: "UNAUTHORIZED", message });
}

/** One request of a viewer against its per-minute limit: a key's own, or the users' one. */
async function rateLimit(ctx: Context, viewer: Viewer): Promise<void> {
  const [id, limit] =
    viewer.kind === "key"
      ? [viewer.keyId, viewer.rateLimitPerMinute]
      : [`user:${viewer.userId}`, ctx.userRateLimitPerMinute ?? DEFAULT_USER_RATE_LIMIT_PER_MINUTE];
  const rl = await takeRateLimit(ctx.redis, ctx.redisKeys.tag, id, limit);
  if (!rl.allowed) {
    throw new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `rate limit of ${limit} requests per minute exceeded: retry after ${rl.retryAfterSec} s`,
      cause: new RateLimitedError(rl.retryAfterSec),
    });
  }
}

/** Any signed-in user or valid partner key, within its rate limit. `ctx.viewer` is non-null. */
export const advertiserProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const caller = ctx.caller;
  if (!isViewer(caller)) throw unauthorized(caller);
  await rateLimit(ctx, caller);
  return next({ ctx: { viewer: caller as Viewer } });
});

/** Ops users only (partner keys never, whatever their scope), within the users' rate limit. */
export const opsProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const caller = ctx.caller;
  if (!isViewer(caller)) throw unauthorized(caller);
  if (!isOps(caller) || caller.kind !== "user") {
    throw new TRPCError({ code: "FORBIDDEN", message: "this needs the ops role" });
  }
  await rateLimit(ctx, caller);
  return next({ ctx: { viewer: caller } });
});
