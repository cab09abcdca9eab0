// Owns passkeys (WebAuthn) as a second factor of the two-factor kind: a user's credentials (a
// public key, a name, a signature counter), registration and sign-in ceremonies through
// @simplewebauthn/server, and the challenges they answer. A challenge is made when its page is
// shown, stored bound to that page's pending login or session, and taken (deleted) before its
// answer is checked, so each is answered at most once on any gateway. Signature counters only
// go forward (a cloned authenticator shows itself by reusing one), with one atomic store call.
// Removing the last passkey of a user without TOTP takes the recovery codes in the same write
// (they belong to the two-factor kind, issue 15). A change of a user's list is written on the
// condition that the list is as it was read (its version, a value every change of the list
// replaces), so that two gateways changing one user's passkeys at once lose neither change.

import { randomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransportFuture,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { RelyingParty } from '../../config/sections/passkeys.js';
import { type AuditWrites, NOT_AUDITED } from '../../ops/audit-outbox.js';
import { LOST_RACE, untilWon } from '../../store/contention.js';
import type { Store, StoreWrite, WriteCondition } from '../../store/store.js';
import type { Outcome, SecondFactor, VerifyOutcome } from '../factor.js';
import type { RecoveryCodes } from '../recovery-codes.js';
import { passkeyListKey, totpSecretKey, userKey } from '../user-keys.js';

const CHALLENGE_TTL_MS = 5 * 60 * 1000;

/**
 * @simplewebauthn/server, loaded at the first passkey page: a gateway whose users never use one
 * does not carry its 13 MB of RSS (issue 17). Every call below is async anyway.
 */
const webauthn = () => import('@simplewebauthn/server');
/** What a person may call a passkey ("Work laptop"), at most. */
export const PASSKEY_NAME_LENGTH = 60;

/** A passkey as the account and sessions pages list it. */
export interface PasskeyInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  /** Absent until it is first used to sign in. */
  readonly lastUsedAt?: number;
}

interface StoredCredential {
  name: string;
  /** COSE public key, base64url. */
  publicKey: string;
  transports?: AuthenticatorTransportFuture[];
  createdAt: number;
  lastUsedAt?: number;
}

/** What the browser sent back for a challenge of this page. */
export interface PasskeyAnswer {
  /** The pending login or session the challenge was made for. */
  readonly boundTo: string;
  /** The browser's answer as JSON text (a form field). */
  readonly response: string;
}

export type RegisterOutcome = Outcome<'malformed' | 'not_asked' | 'wrong' | 'unavailable' | 'already_registered'>;

/** What a registration writes beside the passkey, in the same atomic write. */
export interface RegisterWith {
  /** The change's audit events (ops/audit-outbox.ts); the new passkey's id joins their facts. */
  readonly audited?: AuditWrites;
  /**
   * Ten fresh recovery codes (a first factor): issued in the passkey's write, so that no crash
   * leaves a first passkey without them (issue 13), and answered once as `codes`; none ([])
   * when another factor of the kind (a passkey or TOTP enrolled meanwhile) already holds theirs.
   */
  readonly codes?: boolean;
}

export interface PasskeyFactor extends Pick<SecondFactor<PasskeyAnswer>, 'isEnrolled' | 'verify' | 'removal'> {
  readonly kind: 'passkey';
  /** The relying party in force, or undefined when passkeys are off (no origin configured). */
  relyingParty(): RelyingParty | undefined;
  /** Options for a new passkey, with a fresh challenge bound to `boundTo`; undefined when passkeys are off. */
  registrationOptions(user: string, boundTo: string): Promise<PublicKeyCredentialCreationOptionsJSON | undefined>;
  /** Checks the answer to the registration challenge bound to `boundTo` and keeps the new passkey under `name`. */
  register(
    user: string,
    answer: PasskeyAnswer,
    name: string,
    beside?: RegisterWith,
  ): Promise<RegisterOutcome & { id?: string; codes?: readonly string[] }>;
  /** Options to sign in with one of the user's passkeys, with a fresh challenge; undefined when there is none to use. */
  authenticationOptions(user: string, boundTo: string): Promise<PublicKeyCredentialRequestOptionsJSON | undefined>;
  /** The user's passkeys, oldest first. */
  list(user: string): Promise<PasskeyInfo[]>;
  /**
   * Removes one passkey in one atomic write, the recovery codes with it when it was the last
   * and the user holds no TOTP; true when it was the user's. Passing a second step first, and
   * running one change of the user's at a time, are the caller's (S12).
   */
  removeOne(user: string, id: string, audited?: AuditWrites): Promise<boolean>;
  /** Gives one of the user's passkeys a new name; false when it is not (or no longer) theirs. */
  rename(user: string, id: string, name: string, audited?: AuditWrites): Promise<boolean>;
}

export interface PasskeyFactorOptions {
  readonly store: Store;
  /** The codes of the two-factor kind, removed with the last passkey of a user without TOTP. */
  readonly recovery: RecoveryCodes;
  /** Read at every ceremony, so a reload applies; undefined: passkeys are off. */
  readonly relyingParty: () => RelyingParty | undefined;
  readonly now: () => number;
}

// In the user's hash tag, like the other factors' records: an operator's reset removes them all
// in one write, which a Redis Cluster refuses across slots.
const idsKey = passkeyListKey;
const credentialKey = (user: string, id: string) => `${userKey('passkey:credential', user)}:${id}`;
const counterKey = (user: string, id: string) => `${userKey('passkey:counter', user)}:${id}`;
// A random value every change of the list replaces, present while the list is (a reset or the
// last removal deletes both): a change conditioned on it is refused when the list changed since
// it was read. A set has no compare-and-set of its own.
const listVersionKey = (user: string) => userKey('passkey:ids-version', user);
// The WebAuthn user handle: random, so the authenticator never holds the username as an id.
const handleKey = (user: string) => userKey('passkey:handle', user);
const challengeKey = (boundTo: string, purpose: 'register' | 'authenticate') =>
  `passkey:challenge:${purpose}:${boundTo}`;

/** The browser's JSON answer, or undefined when it is not an object naming a credential (pure). */
export function parseAnswer<T extends { id: string }>(text: string): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { id, response } = value as { id?: unknown; response?: unknown };
    return typeof id === 'string' && /^[A-Za-z0-9_-]{1,1400}$/.test(id) && typeof response === 'object'
      ? (value as T)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A name as typed, trimmed and bounded; a default when empty (pure). Control and format
 * characters go (a right-to-left override would make one passkey's name read as another's);
 * the pages escape what is left.
 */
export function passkeyName(typed: string | null | undefined, fallback: string): string {
  const cleaned = (typed ?? '')
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // Cut by code points, so that an emoji at the limit is not left half a surrogate pair.
  const name = Array.from(cleaned).slice(0, PASSKEY_NAME_LENGTH).join('').trim();
  return name.length > 0 ? name : fallback;
}

/** Creates the passkey factor over the shared store. */
export function createPasskeyFactor({ store, recovery, relyingParty, now }: PasskeyFactorOptions): PasskeyFactor {
  /** The credential and the text it was read from (what a rewrite of it is conditioned on). */
  async function readCredential(
    user: string,
    id: string,
  ): Promise<{ stored: StoredCredential; text: string } | undefined> {
    const text = await store.get(credentialKey(user, id));
    return text === undefined ? undefined : { stored: JSON.parse(text) as StoredCredential, text };
  }

  const credential = async (user: string, id: string) => (await readCredential(user, id))?.stored;

  /**
   * The user's list as read now, the condition that it is still so, and the write that marks a
   * change of it (`emptied`: the version goes with the list).
   */
  function readList(
    user: string,
  ): Promise<{ ids: string[]; unchanged: WriteCondition; changed(emptied?: boolean): StoreWrite }> {
    const key = listVersionKey(user);
    return untilWon("a user's passkey list", async () => {
      // The version first: a change landing between the two reads fails the condition.
      const version = await store.get(key);
      const ids = await store.members(idsKey(user));
      // A list written before versions gets one first: "no version" must mean "no list", or a
      // change that read one before a reset would write its ids back. Read again, bounded: a
      // version that others keep deleting at that instant is contention, not a loop.
      if (version === undefined && ids.length > 0) {
        await store.setIfAbsent(key, randomBytes(16).toString('base64url'));
        return LOST_RACE;
      }
      return {
        ids,
        unchanged: version === undefined ? { ifAbsent: key } : { ifEquals: { key, value: version } },
        changed: (emptied = false) =>
          emptied ? { op: 'delete', key } : { op: 'set', key, value: randomBytes(16).toString('base64url') },
      };
    });
  }

  async function storedCredentials(user: string): Promise<Array<{ id: string } & StoredCredential>> {
    const found: Array<{ id: string } & StoredCredential> = [];
    for (const id of await store.members(idsKey(user))) {
      const stored = await credential(user, id);
      if (stored) found.push({ id, ...stored });
    }
    return found.sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Stores a fresh challenge for this page (a reload replaces the one before). Bytes, as the
   * library takes them; the browser's answer names them base64url-encoded, as stored.
   */
  async function newChallenge(
    user: string,
    boundTo: string,
    purpose: 'register' | 'authenticate',
  ): Promise<Uint8Array<ArrayBuffer>> {
    const bytes = new Uint8Array(randomBytes(32));
    const challenge = Buffer.from(bytes).toString('base64url');
    await store.set(challengeKey(boundTo, purpose), JSON.stringify({ user, challenge }), CHALLENGE_TTL_MS);
    return bytes;
  }

  /** The challenge of this page for this user, deleted as it is read: one answer each, on any gateway. */
  async function takeChallenge(
    user: string,
    boundTo: string,
    purpose: 'register' | 'authenticate',
  ): Promise<string | undefined> {
    const key = challengeKey(boundTo, purpose);
    const text = await store.get(key);
    if (text === undefined || !(await store.delete(key))) return undefined;
    const stored = JSON.parse(text) as { user: string; challenge: string };
    return stored.user === user ? stored.challenge : undefined;
  }

  function removeOne(user: string, id: string, audited = NOT_AUDITED): Promise<boolean> {
    return untilWon("a user's passkeys", async () => {
      const list = await readList(user);
      if (!list.ids.includes(id)) return false;
      // The list is rewritten whole (a write has no set-member removal), on the condition that
      // it is unchanged: a passkey registered meanwhile on another gateway is kept.
      const left = list.ids.filter((listed) => listed !== id);
      const writes: StoreWrite[] = [
        { op: 'replaceSet', key: idsKey(user), members: left },
        { op: 'delete', key: credentialKey(user, id) },
        { op: 'delete', key: counterKey(user, id) },
        list.changed(left.length === 0),
        ...(await audited()),
      ];
      const written =
        left.length > 0
          ? await store.writeAll(writes, list.unchanged)
          : await recovery.removeWithLast(user, writes, totpSecretKey(user), list.unchanged);
      return written || LOST_RACE;
    });
  }

  return {
    kind: 'passkey',
    relyingParty,

    async registrationOptions(user, boundTo) {
      const rp = relyingParty();
      if (!rp) return undefined;
      const fresh = randomBytes(32).toString('base64url');
      await store.setIfAbsent(handleKey(user), fresh);
      const handle = (await store.get(handleKey(user))) ?? fresh;
      const existing = await storedCredentials(user);
      return (await webauthn()).generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user,
        userID: Buffer.from(handle, 'base64url'),
        challenge: await newChallenge(user, boundTo, 'register'),
        attestationType: 'none',
        // The same authenticator twice would be one passkey under two names.
        excludeCredentials: existing.map(({ id }) => ({ id })),
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      });
    },

    async register(user, answer, name, { audited = NOT_AUDITED, codes = false } = {}) {
      const rp = relyingParty();
      if (!rp) return { ok: false, reason: 'unavailable' };
      const response = parseAnswer<RegistrationResponseJSON>(answer.response);
      const challenge = await takeChallenge(user, answer.boundTo, 'register');
      if (!challenge) return { ok: false, reason: 'not_asked' };
      if (!response) return { ok: false, reason: 'malformed' };
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await (await webauthn()).verifyRegistrationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          requireUserVerification: false,
        });
      } catch {
        return { ok: false, reason: 'wrong' };
      }
      if (!verified.verified) return { ok: false, reason: 'wrong' };
      const { credential: created } = verified.registrationInfo;
      const stored: StoredCredential = {
        name,
        publicKey: Buffer.from(created.publicKey).toString('base64url'),
        transports: created.transports,
        createdAt: now(),
      };
      // One write, so that no crash leaves a credential its list does not name (which no reset
      // would find); the list is rewritten whole, on the condition that it is unchanged (a
      // passkey removed or added meanwhile on another gateway stays so).
      return untilWon("a user's passkeys", async () => {
        const list = await readList(user);
        const writes: StoreWrite[] = [
          { op: 'set', key: credentialKey(user, created.id), value: JSON.stringify(stored) },
          ...(created.counter > 0
            ? [{ op: 'set', key: counterKey(user, created.id), value: String(created.counter) } as const]
            : []),
          { op: 'replaceSet', key: idsKey(user), members: [...list.ids.filter((id) => id !== created.id), created.id] },
          list.changed(),
          ...(await audited({ passkey: created.id })),
        ];
        const unchanged = [list.unchanged, { ifAbsent: credentialKey(user, created.id) }];
        // Fresh codes only with the first factor of the kind: a passkey registered meanwhile on
        // another gateway, or a TOTP enrolled there, came with codes already shown, which stay.
        const issued =
          codes && list.ids.length === 0
            ? await recovery.issueWithFirst(user, writes, totpSecretKey(user), unchanged)
            : (await store.writeAll(writes, unchanged)) && [];
        if (issued) return codes ? { ok: true, id: created.id, codes: issued } : { ok: true, id: created.id };
        if (await store.get(credentialKey(user, created.id))) return { ok: false, reason: 'already_registered' };
        return LOST_RACE;
      });
    },

    async authenticationOptions(user, boundTo) {
      const rp = relyingParty();
      const existing = await storedCredentials(user);
      if (!rp || existing.length === 0) return undefined;
      return (await webauthn()).generateAuthenticationOptions({
        rpID: rp.id,
        allowCredentials: existing.map(({ id, transports }) => ({ id, transports })),
        challenge: await newChallenge(user, boundTo, 'authenticate'),
        userVerification: 'preferred',
      });
    },

    async verify(user, answer): Promise<VerifyOutcome> {
      const rp = relyingParty();
      if (!rp) return { ok: false, reason: 'not_enrolled' };
      const response = parseAnswer<AuthenticationResponseJSON>(answer.response);
      // Taken first: a wrong answer spends the challenge as a right one does.
      const challenge = await takeChallenge(user, answer.boundTo, 'authenticate');
      if (!challenge) return { ok: false, reason: 'not_asked' };
      if (!response) return { ok: false, reason: 'malformed' };
      // Only a passkey the user's list names (an operator's reset drops the list).
      const listed = (await store.members(idsKey(user))).includes(response.id);
      const read = listed ? await readCredential(user, response.id) : undefined;
      if (!read) return { ok: false, reason: 'not_enrolled' };
      const { stored } = read;
      const counter = Number((await store.get(counterKey(user, response.id))) ?? 0);
      let newCounter: number;
      try {
        const verified = await (await webauthn()).verifyAuthenticationResponse({
          response,
          expectedChallenge: challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.id,
          // The counter is checked below, atomically and with its own reason for the log.
          credential: { id: response.id, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter: 0 },
          requireUserVerification: false,
        });
        if (!verified.verified) return { ok: false, reason: 'wrong' };
        newCounter = verified.authenticationInfo.newCounter;
      } catch {
        return { ok: false, reason: 'wrong' };
      }
      // Authenticators that keep no counter send 0 every time; any other must move forward,
      // atomically, so two gateways cannot both accept the same count.
      if ((newCounter > 0 || counter > 0) && !(await store.setIfGreater(counterKey(user, response.id), newCounter))) {
        return { ok: false, reason: 'replayed' };
      }
      // Only onto the credential as read: one removed meanwhile is not written back (an orphan no
      // list names); a lost race only loses this "last used" time.
      await store.writeAll(
        [{ op: 'set', key: credentialKey(user, response.id), value: JSON.stringify({ ...stored, lastUsedAt: now() }) }],
        {
          ifEquals: { key: credentialKey(user, response.id), value: read.text },
        },
      );
      return { ok: true };
    },

    async isEnrolled(user) {
      return (await store.members(idsKey(user))).length > 0;
    },

    async list(user) {
      return (await storedCredentials(user)).map(({ id, name, createdAt, lastUsedAt }) => ({
        id,
        name,
        createdAt,
        lastUsedAt,
      }));
    },

    removeOne,

    rename(user, id, name, audited = NOT_AUDITED) {
      return untilWon("a user's passkeys", async () => {
        // Only a passkey the user's list names, still named by it when written: a removed one is
        // not brought back by its record.
        const list = await readList(user);
        const stored = list.ids.includes(id) ? await credential(user, id) : undefined;
        if (!stored) return false;
        const writes: StoreWrite[] = [
          { op: 'set', key: credentialKey(user, id), value: JSON.stringify({ ...stored, name }) },
          ...(await audited()),
        ];
        return (await store.writeAll(writes, list.unchanged)) || LOST_RACE;
      });
    },

    // Every record goes in the operator's one atomic write: the list, the handle, and each
    // listed passkey's credential and counter (left behind, they were unreachable orphans).
    async removal(user) {
      const ids = await store.members(idsKey(user));
      return [
        // With its version: a change that read the list before the reset is refused.
        { op: 'delete', key: idsKey(user) },
        { op: 'delete', key: listVersionKey(user) },
        { op: 'delete', key: handleKey(user) },
        ...ids.flatMap((id): StoreWrite[] => [
          { op: 'delete', key: credentialKey(user, id) },
          { op: 'delete', key: counterKey(user, id) },
        ]),
      ];
    },
  };
}
