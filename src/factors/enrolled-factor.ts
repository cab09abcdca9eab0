// Owns the answers to "which second factors does this user hold?" and "which may their role
// use?". One kind at a time (issue 5, issue 15): two-factor (TOTP and/or passkeys) or security
// questions. TOTP comes first only because a code works on every device; the two-factor page
// offers passkeys beside it.

import type { GatewayConfig } from '../config/schema.js';
import { FACTOR_KINDS } from '../config/sections/identity.js';
import { relyingParty } from '../config/sections/passkeys.js';
import type { FactorKind } from './factor.js';

type Enrollable = { isEnrolled(user: string): Promise<boolean> };

/** The factors the user holds, in the order a login asks for them. */
export async function enrolledFactors(
  services: { totp: Enrollable; passkeys: Enrollable; questions: Enrollable },
  user: string,
): Promise<FactorKind[]> {
  const [totp, passkey, questions] = await Promise.all([
    services.totp.isEnrolled(user),
    services.passkeys.isEnrolled(user),
    services.questions.isEnrolled(user),
  ]);
  const held: FactorKind[] = [];
  if (totp) held.push('totp');
  if (passkey) held.push('passkey');
  if (questions) held.push('questions');
  return held;
}

/**
 * The factors a role may use (pure): its policy's `factors`, all by default; passkeys only
 * while a relying party is configured (without one no browser could answer).
 */
export function allowedFactors(
  config: Pick<GatewayConfig, 'policy' | 'passkeys' | 'upstream'>,
  role: string,
): readonly FactorKind[] {
  const listed = config.policy[role]?.factors ?? FACTOR_KINDS;
  const passkeysOn = relyingParty(config.passkeys, config.upstream.rewrite.public_origin) !== undefined;
  return listed.filter((kind) => kind !== 'passkey' || passkeysOn);
}

/** The factor a step asks for: the first the user holds that the role may use, or undefined. */
export function usableFactor(enrolled: readonly FactorKind[], allowed: readonly FactorKind[]): FactorKind | undefined {
  return enrolled.find((kind) => allowed.includes(kind));
}

/** The two-factor kind the user holds (TOTP first), or undefined: what bars security questions. */
export async function twoFactorHeld(
  services: { totp: Enrollable; passkeys: Enrollable },
  user: string,
): Promise<'totp' | 'passkey' | undefined> {
  if (await services.totp.isEnrolled(user)) return 'totp';
  if (await services.passkeys.isEnrolled(user)) return 'passkey';
  return undefined;
}
