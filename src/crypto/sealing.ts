// Owns authenticated encryption at rest and in sealed cookies (S6): AES-256-GCM with a
// random 96-bit nonce; the first key seals, every key opens, so keys rotate. The context
// string is bound as associated data, so a value sealed for one purpose (a TOTP secret of
// user A) cannot be opened as another (user B's, or a cookie).

import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export interface Sealer {
  seal(plaintext: string | Buffer, context: string): string;
  /** The plaintext, or undefined when the token is malformed, tampered, sealed for another context or by an unknown key. */
  open(token: string, context: string): Buffer | undefined;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 4;

/** A short public identifier of a key, stored beside the ciphertext so that open() tries one key. */
function keyId(key: Buffer): Buffer {
  return createHash('sha256').update('key-id').update(key).digest().subarray(0, KEY_ID_BYTES);
}

/** Creates a sealer over a non-empty list of 32-byte keys. */
export function createSealer(keys: readonly Buffer[]): Sealer {
  if (keys.length === 0 || keys.some((key) => key.length !== 32)) throw new Error('sealing needs 32-byte keys');
  const byId = new Map(keys.map((key) => [keyId(key).toString('hex'), key]));
  const [sealingKey] = keys as [Buffer];
  const sealingId = keyId(sealingKey);
  return {
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, nonce);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([sealingId, nonce, body, cipher.getAuthTag()]).toString('base64url');
    },
    open(token, context) {
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES) return undefined;
      const key = byId.get(raw.subarray(0, KEY_ID_BYTES).toString('hex'));
      if (!key) return undefined;
      const nonce = raw.subarray(KEY_ID_BYTES, KEY_ID_BYTES + NONCE_BYTES);
      const body = raw.subarray(KEY_ID_BYTES + NONCE_BYTES, raw.length - TAG_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce);
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        return undefined;
      }
    },
  };
}
