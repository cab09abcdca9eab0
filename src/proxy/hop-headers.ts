// Owns the hop-by-hop rule (RFC 9110 7.6.1): headers meant for one connection, plus every
// header the Connection header names, never cross the proxy in either direction. Removing
// them first means a client cannot use Connection to strip a header the gateway adds.

import type { IncomingHttpHeaders } from 'node:http';
import { remembered } from '../net/remembered.js';

/** The fixed hop-by-hop names (RFC 9110, plus the Proxy-Connection that old clients still send). */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const NO_TOKENS: ReadonlySet<string> = new Set();
/** Connection values longer than this are read each time: a remembered one is short. */
const REMEMBERED_LENGTH = 64;

function tokensOf(lines: readonly string[]): Set<string> {
  const tokens = new Set<string>();
  for (const line of lines) {
    for (const token of line.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) tokens.add(name);
    }
  }
  return tokens;
}

/** One Connection value's tokens, remembered for 256 values. */
const tokensOfValue = remembered((value: string) => tokensOf([value]), 256);

/**
 * The lower-cased header names listed in Connection header values. A single value is read once:
 * an upstream sends the same "keep-alive" with every answer, and splitting it into a new set
 * each time was about 1% of a proxied request's CPU (issue 17). The sets are shared: read only.
 */
export function connectionTokens(value: string | readonly string[] | undefined): ReadonlySet<string> {
  if (value === undefined || value.length === 0) return NO_TOKENS;
  if (typeof value !== 'string') return value.length === 1 ? connectionTokens(value[0]) : tokensOf(value);
  return value.length > REMEMBERED_LENGTH ? tokensOf([value]) : tokensOfValue(value);
}

/** Whether a lower-cased header name must stop at this hop, given the Connection tokens. */
export function isHopByHop(lowerName: string, tokens: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(lowerName) || tokens.has(lowerName);
}

/**
 * Copies response headers without the hop-by-hop ones. A for-in over the answer's plain object,
 * not Object.entries: an array per header on every answer made it cost three times as much
 * (issue 17: 311 -> 95 ns for an answer of five headers).
 */
export function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const tokens = connectionTokens(headers.connection);
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !isHopByHop(name, tokens)) kept[name] = value;
  }
  return kept;
}
