// Owns the ids the gateway gives requests: correlation ids for the logs, the upstream and the
// client (X-Request-Id), unique per request but not secret (nothing is keyed or authorised by
// them). A random UUID per request cost about 1% of a proxied request's CPU, most of it building
// the string (issue 17); these are a random per-process part and a counter, as chi's RequestID
// middleware makes them, in UUIDv8 form (RFC 9562 5.8: the layout is the issuer's), so that
// whatever reads them as UUIDs still can. Every worker draws its own random part.

import { randomBytes } from 'node:crypto';

/** The counter takes the last 12 hex digits; past them, a new random part starts. */
const COUNTER_LIMIT = 2 ** 48;

/** "xxxxxxxx-xxxx-8xxx-Vxxx-": 74 random bits, the version 8 and the RFC 9562 variant (V is 8 to b). */
function randomPart(): string {
  const hex = randomBytes(10).toString('hex');
  const variant = ((Number.parseInt(hex[18] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(12, 15)}-${variant}${hex.slice(15, 18)}-`;
}

/**
 * A source of request ids: unique among the ids of every process (each source draws its own
 * random part), in order within one. `limit` is how many one random part serves (tests lower it).
 */
export function requestIds(limit = COUNTER_LIMIT): () => string {
  let prefix = randomPart();
  let counter = 0;
  return () => {
    if (++counter === limit) {
      prefix = randomPart();
      counter = 1;
    }
    return `${prefix}${counter.toString(16).padStart(12, '0')}`;
  };
}

/** The process's request ids. */
export const nextRequestId = requestIds();
