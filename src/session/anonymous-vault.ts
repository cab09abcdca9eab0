// Owns the anonymous visitor's vault: the upstream cookies of someone not logged in (the
// login page's CSRF cookie) sealed into a small, short-lived cookie, so that bots cost no
// server state. A sealed cookie can be replayed, so values claimed by a login are recorded
// and dropped from any later anonymous request, unless the app clearly refused that login
// (docs/security-model.md, the cookie vault).

import { createHmac, randomUUID } from 'node:crypto';
import type { Sealer } from '../crypto/sealing.js';
import type { Store } from '../store/store.js';
import type { Jar } from './cookie-jar.js';

/** At most 2 KB, so that it fits beside the app's own headers. */
export const MAX_SEALED_BYTES = 2048;
const CONTEXT = 'anonymous-vault';

interface Sealed {
  jar: Jar;
  endsAt: number;
}

/** Seals a jar for the browser; cookies are dropped, newest first, until it fits the bound. */
export function sealAnonymous(sealer: Sealer, jar: Jar, endsAt: number): { value: string; dropped: number } {
  const entries = Object.entries(jar);
  for (let keep = entries.length; keep >= 0; keep--) {
    const value = sealer.seal(JSON.stringify({ jar: Object.fromEntries(entries.slice(0, keep)), endsAt }), CONTEXT);
    if (value.length <= MAX_SEALED_BYTES) return { value, dropped: entries.length - keep };
  }
  return { value: '', dropped: entries.length };
}

/** Opens the browser's sealed jar; anything tampered, foreign or expired is an empty jar. */
export function openAnonymous(sealer: Sealer, value: string | undefined, now: number): Jar {
  if (!value) return {};
  const plain = sealer.open(value, CONTEXT);
  if (!plain) return {};
  try {
    const sealed = JSON.parse(plain.toString()) as Sealed;
    return sealed.endsAt > now ? sealed.jar : {};
  } catch {
    return {};
  }
}

const claimKey = (digestKey: Buffer, name: string, value: string) =>
  `claims:${createHmac('sha256', digestKey).update(`${name}=${value}`).digest('base64url')}`;

/** One login's claim on the cookie values it carried. */
export interface Claim {
  /** Gives the values back: the app clearly refused the password, so they authenticate nobody. */
  release(): Promise<void>;
}

/**
 * Claims the values a login carries before its password goes to the app, for as long as a
 * sealed cookie could live: from then on no anonymous request carries them (a fixed session id
 * the app may be about to authenticate). Each login is a member of the value's set, so a failed
 * login gives back only its own claim, never that of a login running beside it with the same
 * cookie (a planted one) that succeeds.
 */
export async function claimValues(store: Store, digestKey: Buffer, jar: Jar, ttlMs: number): Promise<Claim> {
  const login = randomUUID();
  const keys = Object.values(jar).map((c) => claimKey(digestKey, c.name, c.value));
  await Promise.all(keys.map((key) => store.addToSet(key, login, ttlMs)));
  return {
    async release() {
      await Promise.all(keys.map((key) => store.removeFromSet(key, login)));
    },
  };
}

/** The jar without values that a login has claimed (what an attacker replaying a pre-login cookie would carry). */
export async function withoutClaimed(store: Store, digestKey: Buffer, jar: Jar): Promise<Jar> {
  const entries = Object.entries(jar);
  if (entries.length === 0) return jar;
  const claims = await Promise.all(entries.map(([, c]) => store.members(claimKey(digestKey, c.name, c.value))));
  return Object.fromEntries(entries.filter((_, i) => claims[i]?.length === 0));
}
