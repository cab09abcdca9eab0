// Owns what every second factor (TOTP, security questions) shares, so that the
// login flow, the enrollment pages and the operator CLI handle them alike.

import type { StoreWrite } from '../store/store.js';

export type FactorKind = 'totp' | 'questions';

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
  /** Removes the user's enrollment only if the answer passes at this moment (S12). */
  disable(user: string, answer: Answer): Promise<VerifyOutcome>;
  /**
   * The store changes that remove the user's enrollment and what belongs to it, for an operator
   * reset applied as one atomic write with the other factors' (Store.writeAll). The S12 audit
   * event is the caller's.
   */
  removal(user: string): StoreWrite[];
}
