// Owns TOTP as a second factor: enrollment of a candidate secret that belongs to one enrollment
// (a pending login or a session: shown only there) and activates only with a correct code, verification with a replay guard shared by every gateway through the store
// (S5), disabling only with a current code (S12), secrets sealed at rest (S6).
// The secret and its recovery codes come in one atomic store write (issue 13), the codes only
// when no passkey holds them; turning TOTP off takes the codes only when no passkey is left, in
// the same write (they belong to the two-factor kind, issue 15).

import type { Sealer } from '../../crypto/sealing.js';
import { type AuditWrites, NOT_AUDITED } from '../../ops/audit-outbox.js';
import { LOST_RACE, untilWon } from '../../store/contention.js';
import type { Store, StoreWrite } from '../../store/store.js';
import type { SecondFactor, VerifyOutcome } from '../factor.js';
import type { RecoveryCodes } from '../recovery-codes.js';
import { passkeyListKey, totpSecretKey, userKey } from '../user-keys.js';
import { qrSvg } from './qr-code.js';
import { assertIssuer, createSecret, matchStep, otpauthUri, parseCode } from './totp-code.js';

const PENDING_TTL_MS = 15 * 60 * 1000;

/** What the enrollment page shows: the secret as text for manual entry, and as a QR code. */
export interface TotpEnrollment {
  readonly secret: string;
  readonly uri: string;
  readonly qrSvg: string;
}

/**
 * A confirmed enrollment carries its recovery codes, to be shown once: none ([]) when a passkey
 * holds the codes of the kind already (they stay as issued with it).
 */
export type ConfirmOutcome =
  | { readonly ok: true; readonly codes: readonly string[] }
  | { readonly ok: false; readonly reason: 'wrong' | 'malformed' | 'no_candidate' | 'already_enrolled' };

export interface TotpFactor extends SecondFactor<string> {
  readonly kind: 'totp';
  /**
   * The candidate secret of one enrollment (the id of the pending login or session it is shown
   * to), created on the first call and the same on reloads for 15 minutes.
   */
  beginEnrollment(user: string, enrollment: string): Promise<TotpEnrollment>;
  /**
   * Activates the enrollment's candidate for a user with no TOTP yet, given a correct code from
   * it, with ten fresh recovery codes unless a passkey holds them already: the secret and the
   * codes are written together or not at all, and with them `replacing` (the removal of a factor
   * this one replaces, issue 15) and the change's audit events (ops/audit-outbox.ts).
   */
  confirmEnrollment(
    user: string,
    enrollment: string,
    code: string,
    replacing?: readonly StoreWrite[],
    audited?: AuditWrites,
  ): Promise<ConfirmOutcome>;
}

export interface TotpFactorOptions {
  readonly store: Store;
  readonly sealer: Sealer;
  /** The codes issued with an enrollment and removed with it. */
  readonly recovery: RecoveryCodes;
  /** The name the authenticator app shows beside the account; no ":". */
  readonly issuer: string;
  /** Milliseconds since the epoch; injected so that tests move time instead of sleeping. */
  readonly now: () => number;
}

/** An active secret exists but cannot be opened (its sealing key was retired, or the record was altered). */
export class TotpSecretUnreadableError extends Error {
  override name = 'TotpSecretUnreadableError';
  readonly code = 'GW_TOTP_SECRET_UNREADABLE';
}

// A candidate per enrollment, not per user: a key shown to one browser (someone who has the
// password and abandons the login) is never the one another browser enrolls (issue 11).
const pendingKey = (user: string, enrollment: string) => `${userKey('totp:pending', user)}:${enrollment}`;
// The last time step this user passed with; any step at or before it is a replay (S5).
const stepKey = (user: string) => userKey('totp:step', user);
// Binding the user into the sealing context stops one user's sealed secret being opened as another's.
const context = (user: string) => `totp:${user}`;

/** Creates the TOTP factor over the shared store. */
export function createTotpFactor({ store, sealer, recovery, issuer, now }: TotpFactorOptions): TotpFactor {
  assertIssuer(issuer);

  const open = (sealed: string, user: string) => sealer.open(sealed, context(user))?.toString('utf8');

  /** The candidate secret and its sealed form, or undefined when there is none that can be opened. */
  async function candidate(user: string, enrollment: string): Promise<{ secret: string; sealed: string } | undefined> {
    const sealed = await store.get(pendingKey(user, enrollment));
    const secret = sealed === undefined ? undefined : open(sealed, user);
    return sealed === undefined || secret === undefined ? undefined : { secret, sealed };
  }

  /** The active secret, or undefined when not enrolled. */
  async function activeSecret(user: string): Promise<string | undefined> {
    const sealed = await store.get(totpSecretKey(user));
    if (sealed === undefined) return undefined;
    const secret = open(sealed, user);
    // Never read as "not enrolled": that would skip the layer or let anyone enroll anew.
    if (secret === undefined) throw new TotpSecretUnreadableError(`the TOTP secret of "${user}" cannot be opened`);
    return secret;
  }

  // Candidates are left to expire: each belongs to a pending login or session that a reset ends,
  // and none can be confirmed over an active secret.
  const ownRecords = (user: string): StoreWrite[] => [
    { op: 'delete', key: totpSecretKey(user) },
    { op: 'delete', key: stepKey(user) },
  ];
  const removal = (user: string): StoreWrite[] => [...ownRecords(user), recovery.removal(user)];

  async function verify(user: string, code: string): Promise<VerifyOutcome> {
    if (parseCode(code) === undefined) return { ok: false, reason: 'malformed' };
    const secret = await activeSecret(user);
    if (secret === undefined) return { ok: false, reason: 'not_enrolled' };
    const step = matchStep(secret, code, now());
    if (step === undefined) return { ok: false, reason: 'wrong' };
    // One atomic compare-and-set rather than read-then-write, so two requests (or two gateways)
    // holding the same code cannot both pass.
    if (!(await store.setIfGreater(stepKey(user), step))) return { ok: false, reason: 'replayed' };
    return { ok: true };
  }

  return {
    kind: 'totp',

    async beginEnrollment(user, enrollment) {
      const fresh = createSecret();
      const freshSealed = sealer.seal(fresh, context(user));
      let secret = fresh;
      if (!(await store.setIfAbsent(pendingKey(user, enrollment), freshSealed, PENDING_TTL_MS))) {
        // A reload or a second tab of this enrollment shows the candidate already on screen, so a scanned QR stays valid.
        const existing = await candidate(user, enrollment);
        if (existing) secret = existing.secret;
        // Unreadable (its sealing key retired) or expired meanwhile: nobody can confirm it, start afresh.
        else await store.set(pendingKey(user, enrollment), freshSealed, PENDING_TTL_MS);
      }
      const uri = otpauthUri(issuer, user, secret);
      return { secret, uri, qrSvg: await qrSvg(uri) };
    },

    async confirmEnrollment(user, enrollment, code, replacing = [], audited = NOT_AUDITED) {
      // Checked before anything is written: the candidate's step must not touch an active user's record.
      if ((await store.get(totpSecretKey(user))) !== undefined) return { ok: false, reason: 'already_enrolled' };
      if (parseCode(code) === undefined) return { ok: false, reason: 'malformed' };
      const pending = await candidate(user, enrollment);
      if (!pending) return { ok: false, reason: 'no_candidate' };
      const step = matchStep(pending.secret, code, now());
      if (step === undefined) return { ok: false, reason: 'wrong' };
      // Recorded before activation, so the code just typed can never pass a login afterwards.
      await store.setIfGreater(stepKey(user), step);
      // One write, guarded by the secret's absence: a crash leaves the user enrolled with all ten
      // codes or not at all, and of two concurrent confirmations (or one racing another
      // enrollment) one wins. The codes come only when no passkey holds them (issueWithFirst):
      // those shown with a first passkey registered meanwhile on another gateway stay valid.
      const writes: StoreWrite[] = [
        { op: 'set', key: totpSecretKey(user), value: pending.sealed },
        { op: 'delete', key: pendingKey(user, enrollment) },
        ...replacing,
        ...(await audited()),
      ];
      return untilWon("a user's two-factor kind", async () => {
        const codes = await recovery.issueWithFirst(user, writes, passkeyListKey(user), {
          ifAbsent: totpSecretKey(user),
        });
        if (codes) return { ok: true, codes };
        if ((await store.get(totpSecretKey(user))) !== undefined) return { ok: false, reason: 'already_enrolled' };
        return LOST_RACE;
      });
    },

    verify,

    async isEnrolled(user) {
      return (await store.get(totpSecretKey(user))) !== undefined;
    },

    async disable(user, code, audited = NOT_AUDITED) {
      const outcome = await verify(user, code);
      if (!outcome.ok) return outcome;
      const writes = [...ownRecords(user), ...(await audited())];
      // Refused only when the passkeys came or went between its two tries: then tried again.
      await untilWon(
        "a user's two-factor kind",
        async () => (await recovery.removeWithLast(user, writes, passkeyListKey(user))) || LOST_RACE,
      );
      return outcome;
    },

    removal: async (user) => removal(user),
  };
}
