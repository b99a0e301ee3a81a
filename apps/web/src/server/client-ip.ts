// The client's address, as the production server (main.ts) stamps it on every request: from the
// socket, or from the proxy header TRUSTED_PROXY_HEADER names, always replacing whatever a
// client sent under the same name. Route handlers read it only when that server is running.
import type { IncomingHttpHeaders } from "node:http";
import { canonicalIp } from "@adclicks/core";

/** The header the server writes the client's address to (canonical text; absent if unknown). */
export const CLIENT_IP_HEADER = "x-adclicks-client-ip";

/**
 * Sets CLIENT_IP_HEADER on a request's headers: the last address of the trusted proxy header
 * (the one our proxy appended) when configured and valid, else the socket's peer address.
 */
export function stampClientIp(
  headers: IncomingHttpHeaders,
  socketAddress: string | undefined,
  trustedProxyHeader: string | undefined,
): void {
  const forwarded = trustedProxyHeader === undefined ? undefined : headers[trustedProxyHeader];
  const fromProxy = [forwarded ?? []].flat().join(",").split(",").at(-1)?.trim();
  const ip = (fromProxy ? canonicalIp(fromProxy) : undefined) ?? (socketAddress && canonicalIp(socketAddress));
  delete headers[CLIENT_IP_HEADER];
  if (ip) headers[CLIENT_IP_HEADER] = ip;
}

// In this process's globals, where main.ts and the route handlers' bundle both see it.
const STAMPED = Symbol.for("adclicks.clientIpStamped");
const flags = globalThis as { [STAMPED]?: boolean };

/** Called by main.ts before it serves: from then on CLIENT_IP_HEADER is the server's, not a client's. */
export function markClientIpStamped(): void {
  flags[STAMPED] = true;
}

/**
 * The header route handlers may read the client's address from, or undefined when nothing
 * stamps it (`next dev`, a bare `next start`): then a client could have sent it itself.
 */
export function trustedClientIpHeader(): string | undefined {
  return flags[STAMPED] === true ? CLIENT_IP_HEADER : undefined;
}
