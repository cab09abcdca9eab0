// Owns HMAC-SHA256 signatures of short tokens (S4): the first key signs, every key
// verifies, so keys rotate without logging anyone out; comparison is constant-time.
// A browser sends the same cookie with every request, so tokens that verified are
// remembered (a bounded map): a repeat costs a lookup instead of an HMAC per key. Only a
// token that verified is ever remembered, so a forged one always takes the full check.

import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Signer {
  /** "value.signature" (base64url), for a value that contains no ".". */
  sign(value: string): string;
  /** The value when some key's signature matches, else undefined; never throws on malformed input. */
  verify(token: string): string | undefined;
}

const SIGNATURE_BYTES = 32;
/** About 1 MB of tokens; past it the oldest is forgotten (and simply verified again if it returns). */
const REMEMBERED_TOKENS = 10_000;

function mac(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

/** Creates a signer over a non-empty list of keys (each at least 32 bytes). */
export function createSigner(keys: readonly Buffer[]): Signer {
  const [signingKey] = keys;
  if (!signingKey || keys.some((key) => key.length < 32)) throw new Error('signing needs keys of at least 32 bytes');
  const verified = new Map<string, string>();
  const remember = (token: string, value: string) => {
    if (verified.size >= REMEMBERED_TOKENS) verified.delete(verified.keys().next().value as string);
    verified.set(token, value);
  };
  return {
    sign(value) {
      if (value.includes('.')) throw new Error('a signed value must not contain "."');
      return `${value}.${mac(signingKey, value).toString('base64url')}`;
    },
    verify(token) {
      const known = verified.get(token);
      if (known !== undefined) return known;
      const dot = token.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const value = token.slice(0, dot);
      const encoded = token.slice(dot + 1);
      const given = Buffer.from(encoded, 'base64url');
      // Node's decoder skips stray characters, "=" padding and the last character's unused
      // bits, so many spellings decode to one signature: only the canonical one is accepted.
      if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== encoded) return undefined;
      let valid = false;
      // Every key is tried, so the time taken does not say which key (if any) matched.
      for (const key of keys) valid = timingSafeEqual(mac(key, value), given) || valid;
      if (!valid) return undefined;
      remember(token, value);
      return value;
    },
  };
}
