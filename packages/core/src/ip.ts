// IP addresses in one canonical text form, so the same address is stored and filtered as one
// string: IPv4 as a dotted quad, IPv6 as RFC 5952 says (lower case, no leading zeros, the
// longest run of zero groups as "::"). Pure.

// Octets 0-255 without leading zeros: "01.2.3.4" could be read as octal by some parsers.
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const GROUP_RE = /^[0-9a-fA-F]{1,4}$/;
/** The longest IPv6 text: eight groups of four hex digits with an IPv4 tail ("ffff:…:255.255.255.255"). */
const MAX_IP_LENGTH = 45;

/**
 * The canonical form of an IPv4 or IPv6 address, or undefined if `ip` is neither.
 * - IPv4: the dotted quad itself (leading zeros are refused, not stripped).
 * - IPv6 (RFC 5952): hex digits in lower case without leading zeros; the longest run of two or
 *   more zero groups (the first of equal runs) becomes "::"; an IPv4 tail is written in hex.
 * - IPv4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 client) is
 *   the IPv4 address it maps, so one client is one address whichever socket saw it. Other
 *   embeddings (IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96) are distinct IPv6 addresses.
 * - Zone ids (fe80::1%eth0), brackets and prefixes (/64) are refused.
 */
export function canonicalIp(ip: string): string | undefined {
  if (ip.length > MAX_IP_LENGTH) return undefined;
  if (!ip.includes(":")) return IPV4_RE.test(ip) ? ip : undefined;
  const groups = ipv6Groups(ip);
  if (groups === undefined) return undefined;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0) {
    if (groups[5] === 0xffff) {
      const hi = groups[6] ?? 0;
      const lo = groups[7] ?? 0;
      return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
    }
  }
  return formatIpv6(groups);
}

/**
 * The network a client address stands for when counting its attempts (sign-in limits): an IPv4
 * address itself, an IPv6 address's /64 — one subscriber's allocation, within which whoever has
 * it can pick billions of addresses. Undefined if `ip` is not an address.
 */
export function clientNetwork(ip: string): string | undefined {
  const canonical = canonicalIp(ip);
  if (canonical === undefined || !canonical.includes(":")) return canonical;
  const groups = ipv6Groups(canonical) ?? [];
  return `${formatIpv6([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/** True for an IPv4 or IPv6 address canonicalIp accepts. */
export function isIpAddress(ip: string): boolean {
  return canonicalIp(ip) !== undefined;
}

/** The eight 16-bit groups of an IPv6 address, or undefined if it is not one. */
function ipv6Groups(ip: string): number[] | undefined {
  const halves = ip.split("::");
  if (halves.length > 2) return undefined;
  const head = parsePieces(halves[0] ?? "", halves.length === 1);
  if (head === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const tail = parsePieces(halves[1] ?? "", true);
  if (tail === undefined || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** Colon-separated hex groups; the last may be an IPv4 dotted quad (two groups) when `last`. */
function parsePieces(text: string, last: boolean): number[] | undefined {
  if (text === "") return [];
  const pieces = text.split(":");
  const out: number[] = [];
  for (const [i, piece] of pieces.entries()) {
    if (GROUP_RE.test(piece)) {
      out.push(Number.parseInt(piece, 16));
    } else if (last && i === pieces.length - 1 && IPV4_RE.test(piece)) {
      const [a = 0, b = 0, c = 0, d = 0] = piece.split(".").map(Number);
      out.push((a << 8) | b, (c << 8) | d);
    } else {
      return undefined;
    }
  }
  return out;
}

/** RFC 5952 section 4: the text of eight groups. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
