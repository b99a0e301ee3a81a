// HTTP entry points for the web app's route handlers: tRPC over fetch, the partner REST API
// (trpc-to-openapi over the same router) and the OpenAPI document. Framework-free (Request in,
// Response out) so tests drive them without a server.
import type { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createOpenApiFetchHandler, generateOpenApiDocument } from "trpc-to-openapi";
import { MAX_BATCH_SIZE } from "./limits";
import { RetryLaterError } from "./rate-limit";
import { appRouter } from "./root";
import { type ApiDeps, createContext, describeIssues } from "./trpc";

export const TRPC_ENDPOINT = "/api/trpc";
export const REST_ENDPOINT = "/api/v1";

// Next.js gzips every compressible response whose client accepts gzip. For a body under ~1 KiB
// (every aggregated_count answer, every error) that costs more CPU at both ends than it saves
// bytes, and this API is latency-bound; `no-transform` asks for the body as is (Next's
// compression honours it). Larger answers (popular_ads with a big N) are still compressed.
const COMPRESS_FROM_BYTES = 1024;
const NO_STORE = "no-store";
const NO_STORE_AS_IS = "no-store, no-transform";

type Logger = (message: string, error: unknown) => void;
const defaultLogger: Logger = (message, error) => console.error(message, error);

/** Retry-After for a 429 or 503 (the longest wait when a batch has several). */
function retryAfterHeaders(errors: readonly TRPCError[]): Record<string, string> | undefined {
  let wait = 0;
  for (const e of errors) if (e.cause instanceof RetryLaterError) wait = Math.max(wait, e.cause.retryAfterSec);
  return wait > 0 ? { "Retry-After": String(wait) } : undefined;
}

/** Server-side failures worth a log line with their stack: bugs (500) and an overloaded database (503). */
const LOGGED = new Set(["INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"]);

export function handleTrpcRequest(req: Request, deps: ApiDeps, log: Logger = defaultLogger): Promise<Response> {
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    createContext: () => createContext(deps, req.headers),
    // A batch is one request doing the work of many: more than this is refused with a 400.
    maxBatchSize: MAX_BATCH_SIZE,
    responseMeta: ({ errors }) => ({ headers: { "Cache-Control": NO_STORE, ...retryAfterHeaders(errors) } }),
    onError: ({ error, path }) => {
      if (LOGGED.has(error.code)) log(`tRPC ${path ?? "?"} failed`, error.cause ?? error);
    },
  });
}

interface RestErrorBody {
  message?: string;
  code?: string;
  issues?: Parameters<typeof describeIssues>[0];
  data?: unknown;
}

/** The partner REST API. Errors are `{ message, code, issues? }` with the field in the message. */
export async function handleRestRequest(req: Request, deps: ApiDeps, log: Logger = defaultLogger): Promise<Response> {
  let res: Response;
  try {
    res = await createOpenApiFetchHandler({
      endpoint: REST_ENDPOINT,
      req,
      router: appRouter,
      createContext: () => createContext(deps, req.headers),
      responseMeta: ({ errors }) => ({
        headers: { "Cache-Control": NO_STORE, ...retryAfterHeaders(errors as TRPCError[]) },
      }),
      onError: ({ error, path }: { error: TRPCError; path?: string }) => {
        if (LOGGED.has(error.code)) log(`REST ${path ?? "?"} failed`, error.cause ?? error);
      },
    });
  } catch (error) {
    log("REST handler failed", error);
    return Response.json(
      { message: "internal error", code: "INTERNAL_SERVER_ERROR" },
      { status: 500, headers: { "Cache-Control": NO_STORE_AS_IS } },
    );
  }
  if (res.status < 400) return res.body === null ? res : sentAsIsWhenSmall(res);
  // Reshape errors: drop tRPC internals, and name the field in the message of validation errors
  // (the adapter says only "Input validation failed").
  const body = (await res.json().catch(() => ({}))) as RestErrorBody;
  const message = body.issues?.length ? describeIssues(body.issues) : (body.message ?? "error");
  const out: RestErrorBody = { message, code: body.code };
  if (body.issues?.length) out.issues = body.issues;
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  headers.set("Cache-Control", NO_STORE_AS_IS);
  return Response.json(out, { status: res.status, headers });
}

async function sentAsIsWhenSmall(res: Response): Promise<Response> {
  const body = await res.arrayBuffer();
  if (body.byteLength >= COMPRESS_FROM_BYTES) return new Response(body, { status: res.status, headers: res.headers });
  const headers = new Headers(res.headers);
  headers.set("Cache-Control", NO_STORE_AS_IS);
  return new Response(body, { status: res.status, headers });
}

let cachedDocument: ReturnType<typeof generateOpenApiDocument> | undefined;

/** The OpenAPI 3 document of the partner API, generated from the router's zod schemas. */
export function openApiDocument(baseUrl: string) {
  cachedDocument ??= generateOpenApiDocument(appRouter, {
    title: "Ad click aggregation — partner API",
    description:
      "Click counts and top ads, with the same numbers as the dashboard. Authenticate with " +
      "`Authorization: Bearer <API key>`. Times are ISO-8601 with offset or epoch milliseconds; " +
      "ranges are rounded down to whole minutes and the answer states the interval counted.",
    version: "1.0.0",
    baseUrl: "http://localhost",
    securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "a partner API key (acp_…)" } },
  });
  return { ...cachedDocument, servers: [{ url: `${baseUrl}${REST_ENDPOINT}` }] };
}
