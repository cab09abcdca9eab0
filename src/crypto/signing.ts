// Owns HMAC-SHA256 signatures of short tokens (S4): the first key signs, every key
// verifies, so keys rotate without logging anyone out; comparison is constant-time.
// A token names the key that signed it (a short id derived from the key by SHA-256), so a
// check costs one HMAC whatever the number of keys in rotation; a token naming no key held
// is refused without any. A browser sends the same cookie with every request, so tokens that
// verified are remembered (a bounded map): a repeat costs a lookup instead of an HMAC. Only
// a token that verified is ever remembered, so a forged one always takes the full check.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface Signer {
  /** "value.keyid.signature" (base64url), for a value that contains no ".". */
  sign(value: string): string;
  /** The value when the named key's signature matches, else undefined; never throws on malformed input. */
  verify(token: string): string | undefined;
}

const SIGNATURE_BYTES = 32;
/** 48 bits of SHA-256 of the key: tells keys apart, says nothing usable about them. */
const KEY_ID_CHARS = 8;
/** About 1 MB of tokens; past it the oldest is forgotten (and simply verified again if it returns). */
const REMEMBERED_TOKENS = 10_000;

function mac(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value).digest();
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, KEY_ID_CHARS);
}

/** Creates a signer over a non-empty list of keys (each at least 32 bytes). */
export function createSigner(keys: readonly Buffer[]): Signer {
  const [signingKey] = keys;
  if (!signingKey || keys.some((key) => key.length < 32)) throw new Error('signing needs keys of at least 32 bytes');
  const byId = new Map<string, Buffer>();
  for (const key of keys) if (!byId.has(keyId(key))) byId.set(keyId(key), key);
  const signingId = keyId(signingKey);
  const verified = new Map<string, string>();
  const remember = (token: string, value: string) => {
    if (verified.size >= REMEMBERED_TOKENS) verified.delete(verified.keys().next().value as string);
    verified.set(token, value);
  };
  return {
    sign(value) {
      if (value.includes('.')) throw new Error('a signed value must not contain "."');
      return `${value}.${signingId}.${mac(signingKey, value).toString('base64url')}`;
    },
    verify(token) {
      const known = verified.get(token);
      if (known !== undefined) return known;
      const [value, id, encoded, ...rest] = token.split('.');
      if (!value || id === undefined || encoded === undefined || rest.length > 0) return undefined;
      const key = byId.get(id);
      if (!key) return undefined;
      const given = Buffer.from(encoded, 'base64url');
      // Node's decoder skips stray characters, "=" padding and the last character's unused
      // bits, so many spellings decode to one signature: only the canonical one is accepted.
      if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== encoded) return undefined;
      if (!timingSafeEqual(mac(key, value), given)) return undefined;
      remember(token, value);
      return value;
    },
  };
}
