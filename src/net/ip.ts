// Owns the parsing of IP address text: strict forms only, IPv4-mapped IPv6 folded to IPv4.

import ipaddr from 'ipaddr.js';

export type ParsedAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an address in a strict form: dotted-quad IPv4 or IPv6 without a zone.
 * ipaddr.js alone also accepts "0x7f.1" and "127.1"; such spellings are how a
 * malformed or hostile header would slip past a list, so they are refused.
 */
export function parseAddress(text: string): ParsedAddress | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && !text.includes('%') && strictDottedTail(text) && ipaddr.IPv6.isValid(text)) {
    const v6 = ipaddr.IPv6.parse(text);
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  }
  return undefined;
}

/**
 * Whether an IPv6 text's dotted IPv4 tail, if any, is strict too. ipaddr.js reads the tail
 * as leniently as IPv4 ("::ffff:0x7f.0.0.1" is 127.0.0.1) and takes the deprecated
 * IPv4-compatible "::1.2.3.4" (RFC 4291 2.5.5.1) for the IPv4-mapped "::ffff:1.2.3.4".
 */
function strictDottedTail(text: string): boolean {
  const tail = text.slice(text.lastIndexOf(':') + 1);
  if (!tail.includes('.')) return true;
  return ipaddr.IPv4.isValidFourPartDecimal(tail) && text !== `::${tail}`;
}

/** The canonical text of an address (IPv4-mapped IPv6 as IPv4), or undefined when malformed. */
export function normalizeAddress(text: string): string | undefined {
  return parseAddress(text)?.toString();
}
