// canonicalIp: RFC 5952's examples, the IPv4-mapped decision, and a fuzz against the WHATWG URL
// parser (whose IPv6 serializer follows the same rules) for validity and canonical text.
import { describe, expect, test } from "vitest";
import { canonicalIp, clientNetwork, isIpAddress } from "./ip";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What the WHATWG URL parser makes of an IPv6 literal, or undefined if it refuses it. */
function viaUrl(ip: string): string | undefined {
  if (!URL.canParse(`http://[${ip}]/`)) return undefined;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

describe("canonicalIp", () => {
  test("one address, one text: case, leading zeros and compression do not matter", () => {
    for (const ip of ["2001:DB8::1", "2001:db8::1", "2001:0db8:0:0::1", "2001:0DB8:0000:0000:0000:0000:0000:0001"]) {
      expect([ip, canonicalIp(ip)]).toEqual([ip, "2001:db8::1"]);
    }
  });

  test("RFC 5952 section 4: the longest run is compressed, the first of equal runs, never one group", () => {
    expect(canonicalIp("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(canonicalIp("2001:0:0:1:0:0:0:1")).toBe("2001:0:0:1::1");
    expect(canonicalIp("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1");
    expect(canonicalIp("2001:db8::0:1")).toBe("2001:db8::1");
    expect(canonicalIp("0:0:0:0:0:0:0:0")).toBe("::");
    expect(canonicalIp("0:0:0:0:0:0:0:1")).toBe("::1");
    expect(canonicalIp("fe80:0:0:0:0:0:0:0")).toBe("fe80::");
  });

  test("IPv4 stays a dotted quad; IPv4-mapped IPv6 is the IPv4 address; other embeddings stay IPv6", () => {
    expect(canonicalIp("203.0.113.7")).toBe("203.0.113.7");
    expect(canonicalIp("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(canonicalIp("::FFFF:cb00:7107")).toBe("203.0.113.7");
    expect(canonicalIp("0:0:0:0:0:ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(canonicalIp("::203.0.113.7")).toBe("::cb00:7107");
    expect(canonicalIp("64:ff9b::203.0.113.7")).toBe("64:ff9b::cb00:7107");
  });

  test("clientNetwork: IPv4 itself, IPv6 by its /64", () => {
    expect(clientNetwork("203.0.113.7")).toBe("203.0.113.7");
    expect(clientNetwork("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientNetwork("2001:DB8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(clientNetwork("::1")).toBe("::/64");
    expect(clientNetwork("nope")).toBeUndefined();
  });

  test("refuses what is not an address", () => {
    const bad = [
      "",
      "256.0.0.1",
      "01.2.3.4",
      "1.2.3",
      "1.2.3.4.5",
      " 1.2.3.4",
      "gggg::1",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4::5:6:7:8",
      "1::2::3",
      ":1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:",
      ":::",
      "12345::",
      "fe80::1%eth0",
      "[::1]",
      "::1/128",
      "::01.2.3.4",
      "::1.2.3.4:5",
      "1:2:3:4:5:6:7:1.2.3.4",
      "localhost",
      "\u0000",
      "::1\u0000",
      "1".repeat(10_000),
    ];
    for (const ip of bad) {
      expect([ip, canonicalIp(ip)]).toEqual([ip, undefined]);
      expect(isIpAddress(ip)).toBe(false);
    }
  });

  test("fuzz: written any valid way, an address has the canonical text the URL parser gives", () => {
    const r = rng(7);
    const hex = (g: number) => {
      const h = g.toString(16).padStart(Math.floor(r() * 5), "0");
      return r() < 0.5 ? h.toUpperCase() : h;
    };
    for (let i = 0; i < 20_000; i++) {
      // Groups biased towards zero so that runs of zeros (and their compression) are common.
      const groups = Array.from({ length: 8 }, () => (r() < 0.45 ? 0 : Math.floor(r() ** 3 * 0x10000)));
      const mapped = r() < 0.05;
      if (mapped) groups.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
      const words = groups.map(hex);
      // Sometimes an IPv4 tail, sometimes "::" over some run of zero groups.
      if (r() < 0.2) {
        const [hi = 0, lo = 0] = groups.slice(6);
        words.splice(6, 2, `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`);
      }
      // "::" over a random run of zero groups (one group too: valid, if not canonical).
      let text = words.join(":");
      const zeros = words.flatMap((w, k) => (/^0+$/.test(w) ? [k] : []));
      const start = zeros[Math.floor(r() * zeros.length)];
      if (start !== undefined && r() < 0.7) {
        let end = start + 1;
        while (end < words.length && /^0+$/.test(words[end] ?? "") && r() < 0.8) end++;
        text = `${words.slice(0, start).join(":")}::${words.slice(end).join(":")}`;
      }
      const expected = mapped
        ? `${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`
        : viaUrl(text);
      expect([text, canonicalIp(text)]).toEqual([text, expected]);
      expect(expected).toBeDefined();
    }
  });

  test("fuzz: random text over the address alphabet is valid exactly when the URL parser says so", () => {
    const r = rng(8);
    const alphabet = "0123456789abcdefABCDEF:.:::";
    let valid = 0;
    for (let i = 0; i < 50_000; i++) {
      const length = 1 + Math.floor(r() * 20);
      let s = Array.from({ length }, () => alphabet[Math.floor(r() * alphabet.length)]).join("");
      if (!s.includes(":")) s = `${s}::`;
      const ours = canonicalIp(s);
      const theirs = viaUrl(s);
      const mappedV4 = theirs?.startsWith("::ffff:") && /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(theirs);
      expect([s, ours === undefined]).toEqual([s, theirs === undefined]);
      if (ours !== undefined && !mappedV4) expect([s, ours]).toEqual([s, theirs]);
      if (ours !== undefined) valid++;
    }
    expect(valid).toBeGreaterThan(1_000);
  });
});
