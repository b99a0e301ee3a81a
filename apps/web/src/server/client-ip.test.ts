// stampClientIp: the socket's address unless a configured proxy header says otherwise, and never
// what a client sent under the stamped header's name.
import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, test } from "vitest";
import { CLIENT_IP_HEADER, stampClientIp } from "./client-ip";

const stamped = (headers: IncomingHttpHeaders, socket: string | undefined, trusted?: string) => {
  const h = { ...headers };
  stampClientIp(h, socket, trusted);
  return h[CLIENT_IP_HEADER];
};

describe("stampClientIp", () => {
  test("without a trusted proxy header: the socket's address, canonical; forwarded headers ignored", () => {
    expect(stamped({ "x-forwarded-for": "198.51.100.7" }, "::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(stamped({ "x-real-ip": "198.51.100.7" }, "2001:DB8::1")).toBe("2001:db8::1");
  });

  test("a client's own copy of the stamped header is replaced, or dropped if the address is unknown", () => {
    expect(stamped({ [CLIENT_IP_HEADER]: "198.51.100.7" }, "10.0.0.1")).toBe("10.0.0.1");
    expect(stamped({ [CLIENT_IP_HEADER]: "198.51.100.7" }, undefined)).toBeUndefined();
  });

  test("with a trusted proxy header: its last address (the one our proxy added)", () => {
    const xff = "x-forwarded-for";
    expect(stamped({ [xff]: "203.0.113.9" }, "10.0.0.1", xff)).toBe("203.0.113.9");
    expect(stamped({ [xff]: "1.1.1.1, 203.0.113.9" }, "10.0.0.1", xff)).toBe("203.0.113.9");
    expect(stamped({ [xff]: ["1.1.1.1", "2001:0db8::9 "] }, "10.0.0.1", xff)).toBe("2001:db8::9");
    // Missing or not an address: the socket's (the proxy's own) address, so such requests share one count.
    expect(stamped({}, "10.0.0.1", xff)).toBe("10.0.0.1");
    expect(stamped({ [xff]: "unknown" }, "10.0.0.1", xff)).toBe("10.0.0.1");
  });
});
