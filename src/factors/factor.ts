// Owns what every second factor (TOTP, passkeys, security questions) shares, so that the
// login flow, the enrollment pages and the operator CLI handle them alike.

import type { FACTOR_KINDS } from '../config/sections/identity.js';
import type { AuditWrites } from '../ops/audit-outbox.js';
import type { StoreWrite } from '../store/store.js';
/**
 * The kinds of second step. TOTP and passkeys are both of the two-factor kind (a user may hold
 * both and picks at sign-in); security questions are the other kind, never held beside them.
 */
export type FactorKind = (typeof FACTOR_KINDS)[number];

/** Whether a factor is of the two-factor kind (TOTP, passkeys) rather than security questions. */
export const isTwoFactor = (kind: FactorKind): boolean => kind !== 'questions';

/**
 * Why a check failed, for the LOG only: the page shows one generic message whatever the
 * reason (S5), so a guesser learns nothing about which part was wrong.
 */
export type FailureReason = 'wrong' | 'replayed' | 'malformed' | 'not_enrolled' | 'not_asked';

/** The result of a check; failures carry a reason of type R for the log. */
export type Outcome<R extends string> = { readonly ok: true } | { readonly ok: false; readonly reason: R };

export type VerifyOutcome = Outcome<FailureReason>;

/** A second factor; `Answer` is what the user submits (a code, a set of answers). */
export interface SecondFactor<Answer> {
  readonly kind: FactorKind;
  /** True when the user has an active (confirmed) enrollment of this factor. */
  isEnrolled(user: string): Promise<boolean>;
  /** Checks an answer at login; counting failures towards lockouts is the caller's (S5). */
  verify(user: string, answer: Answer): Promise<VerifyOutcome>;
  /**
   * Removes the user's enrollment only if the answer passes at this moment (S12), with the
   * change's audit events in the same atomic write (ops/audit-outbox.ts).
   */
  disable(user: string, answer: Answer, audited?: AuditWrites): Promise<VerifyOutcome>;
  /**
   * The store changes that remove every record of the user's enrollment and what belongs to it,
   * for an operator reset applied as one atomic write with the other factors' (Store.writeAll);
   * read first where records are named by what the user holds (a passkey's by its id). The S12
   * audit event is the caller's.
   */
  removal(user: string): Promise<StoreWrite[]>;
}
