// Owns recovery codes: ten single-use codes shown once, each usable in place of a second-step
// code when the phone is lost; stored only as keyed digests, spent with one atomic removal.
// Issued and removed as store changes the caller applies with its factor's in one atomic write,
// so that no crash leaves a secret with some of its codes. They belong to the two-factor kind
// (issue 15), not to TOTP: they stay while TOTP or a passkey remains, and go with the last one.

import { createHmac, randomBytes } from 'node:crypto';
import { conditionList, type Store, type StoreWrite, type WriteConditions } from '../store/store.js';
import { userKey } from './user-keys.js';

const CODE_COUNT = 10;
const CODE_LENGTH = 10;
// RFC 4648 base32: no 0/1/8/9, so O, I and B are not misread as digits; 5 bits a character,
// 50 bits a code, beyond guessing within any lockout.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const WELL_FORMED = /^[A-Za-z2-7]{10}$/;

export interface RecoveryCodes {
  /** True exactly once per issued code; case, spaces and dashes are forgiven. */
  consume(user: string, code: string): Promise<boolean>;
  /** How many unused codes the user has left. */
  remaining(user: string): Promise<number>;
  /** The store change that deletes the user's codes (factor reset or disable), for the caller's atomic write. */
  removal(user: string): StoreWrite;
  /**
   * Applies `writes` (the first factor of its sort of the two-factor kind arriving) in one
   * atomic write, with ten fresh codes when the record `keptBy` (the other factor of the kind)
   * is absent at that moment, and without (the codes already shown with the other stay) while
   * it is present; only while `unchanged` holds. Fresh codes replace any earlier set, are shown
   * as "XXXXX-XXXXX" and are stored only as digests. Answers the codes written ([] when none were),
   * or false when nothing was written (`unchanged` failed, or `keptBy` came or went between the
   * two tries): the caller reads again.
   */
  issueWithFirst(
    user: string,
    writes: readonly StoreWrite[],
    keptBy: string,
    unchanged?: WriteConditions,
  ): Promise<readonly string[] | false>;
  /**
   * Applies `writes` (a factor of the two-factor kind leaving) in one atomic write, the codes'
   * removal with them when the record `keptBy` (the other factor of the kind) is absent at that
   * moment, and without it only while `keptBy` is present; only while `unchanged` holds (the
   * caller's read of its own records). True when the writes were applied, false when nothing
   * was written (`unchanged` failed, or `keptBy` came or went between the two tries): the
   * caller reads again.
   */
  removeWithLast(
    user: string,
    writes: readonly StoreWrite[],
    keptBy: string,
    unchanged?: WriteConditions,
  ): Promise<boolean>;
}

export interface RecoveryCodesOptions {
  readonly store: Store;
  /** 32 bytes for HMAC-SHA256: a stolen store alone cannot confirm a guessed code offline. */
  readonly key: Buffer;
}

const setKey = (user: string) => userKey('recovery', user);

/** One random code; 256 is a multiple of 32, so each byte's low 5 bits are uniform. */
function randomCode(): string {
  return [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET[byte & 31]).join('');
}

/** Creates recovery codes over the shared store. */
export function createRecoveryCodes({ store, key }: RecoveryCodesOptions): RecoveryCodes {
  if (key.length !== 32) throw new Error('recovery codes need a 32-byte HMAC key');

  // The user is part of the digest, so a digest copied into another user's set matches nothing.
  const digest = (user: string, code: string) => createHmac('sha256', key).update(`${user}\0${code}`).digest('hex');
  const removal = (user: string): StoreWrite => ({ op: 'delete', key: setKey(user) });
  /** Ten fresh codes, and the store change that replaces any earlier set by their digests (never kept in clear). */
  const fresh = (user: string): { codes: string[]; change: StoreWrite } => {
    const codes = Array.from({ length: CODE_COUNT }, randomCode);
    const members = codes.map((code) => digest(user, code));
    return {
      codes: codes.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`),
      change: { op: 'replaceSet', key: setKey(user), members },
    };
  };

  return {
    async consume(user, code) {
      const compact = code.replace(/[\s-]/g, '');
      // Tested before upper-casing, which would turn some non-ASCII letters into ASCII ones.
      if (!WELL_FORMED.test(compact)) return false;
      // The store looks up a keyed digest, so its lookup timing says nothing useful about a guess.
      return store.removeFromSet(setKey(user), digest(user, compact.toUpperCase()));
    },

    async remaining(user) {
      return (await store.members(setKey(user))).length;
    },

    removal,

    async issueWithFirst(user, writes, keptBy, unchanged) {
      // The other factor's absence is checked in the same atomic step as the fresh codes, so the
      // codes another gateway issued with it meanwhile (and showed) are not replaced; its
      // presence likewise, so a factor leaving meanwhile (taking the codes) leaves none without them.
      const conditions = conditionList(unchanged);
      const { codes, change } = fresh(user);
      if (await store.writeAll([...writes, change], [...conditions, { ifAbsent: keptBy }])) return codes;
      return (await store.writeAll(writes, [...conditions, { ifPresent: keptBy }])) ? [] : false;
    },

    async removeWithLast(user, writes, keptBy, unchanged) {
      // The other factor's absence is checked in the same atomic step as the removal, so a
      // factor added meanwhile keeps the codes; its presence likewise, so that of two last
      // factors of the kind leaving at once on two gateways, one takes the codes.
      const conditions = conditionList(unchanged);
      if (await store.writeAll([...writes, removal(user)], [...conditions, { ifAbsent: keptBy }])) return true;
      return store.writeAll(writes, [...conditions, { ifPresent: keptBy }]);
    },
  };
}
