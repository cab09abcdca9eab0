// Owns the parsing of IP address text: strict forms only, IPv4-mapped IPv6 folded to IPv4.

import ipaddr from 'ipaddr.js';

export type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Four decimal octets without leading zeros, each at most 255: the only IPv4 spelling accepted. */
const DOTTED_QUAD = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * Parses an address in a strict form: dotted-quad IPv4 or IPv6 without a zone.
 * ipaddr.js alone also accepts "0x7f.1" and "127.1"; such spellings are how a
 * malformed or hostile header would slip past a list, so they are refused. The
 * pattern is checked first because ipaddr.js's validators throw and catch inside for
 * text of the other family, which costs microseconds on every request.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  if (DOTTED_QUAD.test(text)) return ipaddr.IPv4.parse(text);
  if (!text.includes(':') || text.includes('%') || !strictDottedTail(text)) return undefined;
  let v6: ipaddr.IPv6;
  try {
    v6 = ipaddr.IPv6.parse(text);
  } catch {
    return undefined;
  }
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/**
 * Whether an IPv6 text's dotted IPv4 tail, if any, is strict too. ipaddr.js reads the tail
 * as leniently as IPv4 ("::ffff:0x7f.0.0.1" is 127.0.0.1) and takes the deprecated
 * IPv4-compatible "::1.2.3.4" (RFC 4291 2.5.5.1) for the IPv4-mapped "::ffff:1.2.3.4".
 */
function strictDottedTail(text: string): boolean {
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (!tail.includes('.')) return true;
  return DOTTED_QUAD.test(tail) && text !== `::${tail}`;
}

/** The canonical text of an address (IPv4-mapped IPv6 as IPv4), or undefined when malformed. */
export function normalizeAddress(text: string): string | undefined {
  return parseAddress(text)?.toString();
}

/**
 * An address as ranges compare it: IPv4 as a number, IPv6 as 32 hex digits (strings of equal
 * length compare in numeric order, and building one costs less than a bigint).
 */
export type AddressKey =
  | { readonly family: 'ipv4'; readonly value: number }
  | { readonly family: 'ipv6'; readonly value: string };

/** An address read once for all its uses: canonical text for logs and headers, a key for ranges. */
export interface ReadAddress {
  readonly text: string;
  readonly key: AddressKey;
}

/** The key of a parsed address. */
export function keyOf(address: ParsedAddress): AddressKey {
  if (address.kind() === 'ipv4') {
    const [a, b, c, d] = (address as ipaddr.IPv4).octets as [number, number, number, number];
    return { family: 'ipv4', value: ((a * 256 + b) * 256 + c) * 256 + d };
  }
  const hex = (address as ipaddr.IPv6).parts.map((part) => part.toString(16).padStart(4, '0')).join('');
  return { family: 'ipv6', value: hex };
}

/**
 * Parses an address once (parsing IPv6 costs microseconds; a request's client address is
 * compared with the trusted proxies and then with the allowlists); undefined when malformed.
 */
export function readAddress(text: string): ReadAddress | undefined {
  const address = parseAddress(text);
  return address ? { text: address.toString(), key: keyOf(address) } : undefined;
}
