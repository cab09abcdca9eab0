// Owns the hop-by-hop rule (RFC 9110 7.6.1): headers meant for one connection, plus every
// header the Connection header names, never cross the proxy in either direction. Removing
// them first means a client cannot use Connection to strip a header the gateway adds.

import type { IncomingHttpHeaders } from 'node:http';

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

/** The lower-cased header names listed in Connection header values. */
export function connectionTokens(value: string | string[] | undefined): Set<string> {
  const tokens = new Set<string>();
  if (value === undefined) return tokens;
  for (const line of Array.isArray(value) ? value : [value]) {
    for (const token of line.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) tokens.add(name);
    }
  }
  return tokens;
}

/** Whether a lower-cased header name must stop at this hop, given the Connection tokens. */
export function isHopByHop(lowerName: string, tokens: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(lowerName) || tokens.has(lowerName);
}

/** Copies response headers without the hop-by-hop ones. */
export function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const tokens = connectionTokens(headers.connection);
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !isHopByHop(name, tokens)) kept[name] = value;
  }
  return kept;
}
