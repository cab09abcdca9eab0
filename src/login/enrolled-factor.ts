// Owns the answer to "which second factor does this user hold?": one at a time (issue 5), so
// at most one of them; TOTP is asked first only because it is the stronger of the two.

import type { FactorKind } from '../factors/factor.js';
import type { LoginServices } from './services.js';

/** The factor the user enrolled, or undefined for none. */
export async function enrolledFactor(
  services: Pick<LoginServices, 'totp' | 'questions'>,
  user: string,
): Promise<FactorKind | undefined> {
  if (await services.totp.isEnrolled(user)) return 'totp';
  if (await services.questions.isEnrolled(user)) return 'questions';
  return undefined;
}
