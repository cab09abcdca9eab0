// Owns the answer to "which second factor does this user hold?": one at a time (issue 5), so
// at most one of them; TOTP is asked first only because it is the stronger of the two.

import type { FactorKind } from './factor.js';

/** The factor the user enrolled, or undefined for none. */
export async function enrolledFactor(
  services: {
    totp: { isEnrolled(user: string): Promise<boolean> };
    questions: { isEnrolled(user: string): Promise<boolean> };
  },
  user: string,
): Promise<FactorKind | undefined> {
  if (await services.totp.isEnrolled(user)) return 'totp';
  if (await services.questions.isEnrolled(user)) return 'questions';
  return undefined;
}
