// Owns the one-time codes an operator issues (`gateway users enroll-code NAME`) when first
// enrollment requires one (S12): random, stored only as an HMAC digest, used at most once.

import { createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';

/** How long an issued code stays usable (the CLI says so when it prints one). */
export const ENROLL_CODE_TTL_MS = 24 * 60 * 60 * 1000;
const key = (user: string) => `enroll-code:${user}`;

function digest(digestKey: Buffer, user: string, code: string): string {
  return createHmac('sha256', digestKey)
    .update(`${user}\0${code.trim().toUpperCase().replaceAll('-', '')}`)
    .digest('base64url');
}

/** Issues a fresh code (replacing any earlier one), valid for 24 hours. */
export async function issueEnrollCode(store: Store, digestKey: Buffer, user: string): Promise<string> {
  const code = randomBytes(10).toString('hex').toUpperCase();
  await store.delete(key(user));
  await store.addToSet(key(user), digest(digestKey, user, code), ENROLL_CODE_TTL_MS);
  return `${code.slice(0, 10)}-${code.slice(10)}`;
}

/** Consumes the code: true once, for the right one. */
export function enrollCodeAccepted(
  services: { store: Store; keys: { digest: Buffer } },
  user: string,
  code: string,
): Promise<boolean> {
  return services.store.removeFromSet(key(user), digest(services.keys.digest, user, code));
}
