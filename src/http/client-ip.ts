// Owns who the client is (S7): the socket peer, unless that peer is a trusted proxy,
// and only then X-Forwarded-For read right to left, skipping trusted hops.

import { type AddressKey, type ReadAddress, readAddress } from '../net/ip.js';
import type { IpMatcher } from '../net/ip-matcher.js';
import { remembered } from '../net/remembered.js';

export interface ClientAddress {
  /** The resolved client address (canonical text, IPv4-mapped IPv6 folded to IPv4). */
  readonly address: string;
  /** The same, read for range lookups (allowlists); undefined only in the scope of a refused request. */
  readonly key: AddressKey | undefined;
  /** The socket peer. */
  readonly peer: string;
  /** Whether the peer is a trusted proxy, i.e. whether its forwarded headers were believed. */
  readonly trustedPeer: boolean;
  /** X-Forwarded-For to send upstream: the believed chain plus the peer. */
  readonly forwardedFor: readonly string[];
}

export type ClientAddressResult = { ok: true; client: ClientAddress } | { ok: false; reason: string };

/**
 * The socket peer, read once per address text: every request of a keep-alive connection has the
 * same peer, and reading it again (a pattern, ipaddr.js, the key) was about 2% of a proxied
 * request's CPU (issue 17). At most 4,096 remembered.
 */
const readPeer = remembered(readAddress, 4_096);

/** Splits X-Forwarded-For (possibly sent as several header lines) into read addresses; undefined when any entry is malformed. */
export function parseForwardedFor(header: string | string[]): ReadAddress[] | undefined {
  const entries = (Array.isArray(header) ? header.join(',') : header).split(',');
  const addresses: ReadAddress[] = [];
  for (const entry of entries) {
    const address = readAddress(entry.trim());
    if (!address) return undefined;
    addresses.push(address);
  }
  return addresses;
}

/** Resolves the client address from the socket peer and the X-Forwarded-For header. */
export function resolveClientAddress(
  rawPeer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: IpMatcher,
): ClientAddressResult {
  const read = rawPeer === undefined ? undefined : readPeer(rawPeer);
  if (!read) return { ok: false, reason: 'connection without a peer address' };
  const peer = read.text;
  if (!trustedProxies.contains(read.key)) {
    // An untrusted peer's X-Forwarded-For is not even parsed: it is the client's own claim.
    return { ok: true, client: { address: peer, key: read.key, peer, trustedPeer: false, forwardedFor: [peer] } };
  }
  if (forwardedFor === undefined) {
    return { ok: true, client: { address: peer, key: read.key, peer, trustedPeer: true, forwardedFor: [peer] } };
  }
  const chain = parseForwardedFor(forwardedFor);
  if (!chain) return { ok: false, reason: 'malformed X-Forwarded-For from a trusted proxy' };
  let client = chain[0] ?? read;
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] as ReadAddress;
    if (!trustedProxies.contains(hop.key)) {
      client = hop;
      break;
    }
  }
  const forwarded = [...chain.map((hop) => hop.text), peer];
  return {
    ok: true,
    client: { address: client.text, key: client.key, peer, trustedPeer: true, forwardedFor: forwarded },
  };
}
