// Owns CSRF tokens for the gateway's own forms (S10): an HMAC of the session or pending-login
// id, so a token is bound to the one login it was shown to and needs no storage.

import { createHmac, timingSafeEqual } from 'node:crypto';

export function csrfToken(key: Buffer, boundTo: string): string {
  return createHmac('sha256', key).update(`csrf:${boundTo}`).digest('base64url');
}

/** Constant-time check of a submitted token. */
export function csrfValid(key: Buffer, boundTo: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const expected = Buffer.from(csrfToken(key, boundTo));
  const given = Buffer.from(submitted);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
