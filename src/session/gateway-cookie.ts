// Owns the gateway's cookies on the wire (S4): the signed session cookie (a full session or
// a pending login), the signed trusted-browser cookie, the sealed anonymous-vault cookie and the one-time replay
// token's cookie.
// HttpOnly, SameSite=Lax, Secure and __Host- prefixed whenever the request is HTTPS (Path=/ and
// no Domain, as the prefix requires).

import type { Signer } from '../crypto/signing.js';
import { cookieValues } from './client-cookies.js';

export type SessionKind = 'session' | 'pending';

export interface SessionRef {
  kind: SessionKind;
  id: string;
  /**
   * The generation of the session's vault when this cookie was issued (a full session only;
   * absent: 0). A gateway whose cached record is older reads the store again (records.ts): the
   * app's rotated cookies are forwarded on the next request, whichever gateway it reaches.
   */
  generation?: number;
}

const KIND_TAG: Record<SessionKind, string> = { session: 's', pending: 'p' };

/** The cookie name for this request: __Host- prefixed over HTTPS, where the browser enforces the prefix's rules. */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function anonymousCookieBase(base: string): string {
  return `${base}_anon`;
}

/** The cookie carrying a one-time replay token (session/replay-tokens.ts) to the withheld page's own address. */
export function replayCookieBase(base: string): string {
  return `${base}_replay`;
}

/** The trusted-browser cookie's name (before any __Host- prefix). */
export function trustCookieBase(base: string): string {
  return `${base}_trust`;
}

/** The signed value of a trusted-browser cookie, naming its server-side record. */
export function trustCookieValue(signer: Signer, id: string): string {
  return signer.sign(`t${id}`);
}

/** The trusted-browser record the cookie names, if its signature holds; anything else is no trust (S4). */
export function readTrustId(signer: Signer, pairs: ReadonlyArray<[string, string]>, name: string): string | undefined {
  for (const value of cookieValues(pairs, name)) {
    const verified = signer.verify(value);
    if (verified?.[0] === 't' && /^[A-Za-z0-9_-]{43}$/.test(verified.slice(1))) return verified.slice(1);
  }
  return undefined;
}

/** A Set-Cookie line for a gateway cookie; a browser-session cookie unless maxAgeSeconds is given. */
export function serializeCookie(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}

/** A Set-Cookie line that deletes a gateway cookie. */
export function clearCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', secure, 0);
}

// "s<id>" or, once the vault has changed, "s<id>:<generation>" (a cookie written before the
// generation existed reads as generation 0). At most 15 digits: a safe integer, and a bounded read.
const GENERATION = /^[1-9][0-9]{0,14}$/;

/** The signed value of a session cookie. */
export function sessionCookieValue(signer: Signer, ref: SessionRef): string {
  const generation = ref.kind === 'session' && ref.generation ? `:${ref.generation}` : '';
  return signer.sign(`${KIND_TAG[ref.kind]}${ref.id}${generation}`);
}

/**
 * The session the browser's cookie names, if its signature holds. A tampered, malformed or
 * foreign-key cookie is simply no session (S4); with several candidates, the first valid wins.
 */
export function readSessionRef(
  signer: Signer,
  pairs: ReadonlyArray<[string, string]>,
  name: string,
): SessionRef | undefined {
  for (const value of cookieValues(pairs, name)) {
    const verified = signer.verify(value);
    if (!verified) continue;
    const kind = verified[0] === 's' ? 'session' : verified[0] === 'p' ? 'pending' : undefined;
    const colon = verified.indexOf(':');
    const id = colon === -1 ? verified.slice(1) : verified.slice(1, colon);
    if (!kind || !/^[A-Za-z0-9_-]{43}$/.test(id)) continue;
    if (colon === -1) return { kind, id };
    // Only a full session's vault changes; anything else after the id is not ours.
    const generation = verified.slice(colon + 1);
    if (kind === 'session' && GENERATION.test(generation)) return { kind, id, generation: Number(generation) };
  }
  return undefined;
}
