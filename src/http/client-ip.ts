// Owns who the client is (S7): the socket peer, unless that peer is a trusted proxy,
// and only then X-Forwarded-For read right to left, skipping trusted hops.

import { normalizeAddress } from '../net/ip.js';
import type { IpMatcher } from '../net/ip-matcher.js';

export interface ClientAddress {
  /** The resolved client address (canonical text, IPv4-mapped IPv6 folded to IPv4). */
  readonly address: string;
  /** The socket peer. */
  readonly peer: string;
  /** Whether the peer is a trusted proxy, i.e. whether its forwarded headers were believed. */
  readonly trustedPeer: boolean;
  /** X-Forwarded-For to send upstream: the believed chain plus the peer. */
  readonly forwardedFor: readonly string[];
}

export type ClientAddressResult = { ok: true; client: ClientAddress } | { ok: false; reason: string };

/** Splits X-Forwarded-For (possibly sent as several header lines) into normalised addresses; undefined when any entry is malformed. */
export function parseForwardedFor(header: string | string[]): string[] | undefined {
  const entries = (Array.isArray(header) ? header.join(',') : header).split(',');
  const addresses: string[] = [];
  for (const entry of entries) {
    const address = normalizeAddress(entry.trim());
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
  const peer = rawPeer === undefined ? undefined : normalizeAddress(rawPeer);
  if (!peer) return { ok: false, reason: 'connection without a peer address' };
  if (!trustedProxies.contains(peer)) {
    // An untrusted peer's X-Forwarded-For is not even parsed: it is the client's own claim.
    return { ok: true, client: { address: peer, peer, trustedPeer: false, forwardedFor: [peer] } };
  }
  if (forwardedFor === undefined) {
    return { ok: true, client: { address: peer, peer, trustedPeer: true, forwardedFor: [peer] } };
  }
  const chain = parseForwardedFor(forwardedFor);
  if (!chain) return { ok: false, reason: 'malformed X-Forwarded-For from a trusted proxy' };
  let address = chain[0] ?? peer;
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] as string;
    if (!trustedProxies.contains(hop)) {
      address = hop;
      break;
    }
  }
  return { ok: true, client: { address, peer, trustedPeer: true, forwardedFor: [...chain, peer] } };
}
