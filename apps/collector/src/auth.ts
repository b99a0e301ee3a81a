// Who is sending: the ingest key of `Authorization: Bearer <key>` (verified through the key cache,
// which hears revocations at once), or nobody, which is accepted only when anonymous ingest is
// enabled. Answers are values: the handler turns a refusal into its 401 or 503.
import { apiKeyKindOf, type IngestKeyInfo, type KeyCheck } from "@adclicks/db/queries";

export interface IngestAuthOptions {
  /** Requests without Authorization are accepted (COLLECTOR_ALLOW_ANONYMOUS); off by default. */
  allowAnonymous: boolean;
  /** Checks an ingest key; throws when keys cannot be checked (Postgres unreachable). */
  verify(presented: string): Promise<KeyCheck<IngestKeyInfo>>;
}

/** Who a request was accepted from: an ingest key, or anonymous (when allowed). */
export type Sender = { kind: "key"; key: IngestKeyInfo } | { kind: "anonymous" };

export type AuthResult =
  | { ok: true; sender: Sender }
  | { ok: false; status: 401 | 503; reason: string; message: string; headers: Record<string, string> };

const HOW =
  'send "Authorization: Bearer <ingest key>" (an ad server\'s key: npm run keys -- create --kind ingest --name NAME)';

function unauthorized(reason: string, message: string, invalidToken: boolean): AuthResult {
  const challenge = invalidToken ? 'Bearer realm="collector", error="invalid_token"' : 'Bearer realm="collector"';
  return { ok: false, status: 401, reason, message, headers: { "www-authenticate": challenge } };
}

export async function authenticate(
  authorization: string | undefined,
  opts: IngestAuthOptions,
  retryAfterS: number,
): Promise<AuthResult> {
  if (authorization === undefined) {
    if (opts.allowAnonymous) return { ok: true, sender: { kind: "anonymous" } };
    return unauthorized("missing", `Authorization is missing: ${HOW}`, false);
  }
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  if (!m?.[1]) return unauthorized("not_bearer", `Authorization must be "Bearer <ingest key>": ${HOW}`, true);
  const presented = m[1];
  let check: KeyCheck<IngestKeyInfo>;
  try {
    check = await opts.verify(presented);
  } catch {
    return {
      ok: false,
      status: 503,
      reason: "unverifiable",
      message: "ingest keys cannot be checked right now (the key database is unreachable): retry the request later",
      headers: { "retry-after": String(retryAfterS) },
    };
  }
  if (check.ok) return { ok: true, sender: { kind: "key", key: check.key } };
  switch (check.reason) {
    case "malformed":
      return apiKeyKindOf(presented) === "partner"
        ? unauthorized(
            "partner_key",
            "this is a partner API key (acp_…), which reads the query API: the collector takes ingest keys (aci_…)",
            true,
          )
        : unauthorized(
            "malformed",
            "the ingest key is malformed: expected aci_ followed by 12 and 43 characters",
            true,
          );
    case "revoked":
      return unauthorized("revoked", "the ingest key was revoked: ask for a new one", true);
    default:
      return unauthorized("unknown", "the ingest key is not known (mistyped, or deleted)", true);
  }
}
