// Gives a user every kind of factor record the gateway keeps, through the factors' own calls
// (no record is written by hand, so a record kind added later is made here too): TOTP with its
// recovery codes, two passkeys (one used once, so it has a counter), two trusted browsers; or a
// set of security answers with the pair to ask. Then lists what of a user is left in a store.

import assert from 'node:assert/strict';
import type { LoginServices } from '../../src/session/services.js';
import type { LoginHarness } from './login-harness.js';
import { ANSWERS } from './questions.js';
import { createSoftAuthenticator } from './soft-authenticator.js';

/** The passkey origin the harness is configured with for these helpers (`passkeys.origin`). */
export const PASSKEY_ORIGIN = 'http://localhost:8443';

/** Configuration overrides that turn passkeys on for the software authenticator. */
export const PASSKEYS_ON = { passkeys: { origin: PASSKEY_ORIGIN } } as const;

/** Enrolls `user` in TOTP, two passkeys (one signed in with) and two trusted browsers. */
export async function holdTwoFactorRecords(harness: LoginHarness, user: string): Promise<void> {
  const services = harness.gateway.login as LoginServices;
  const { secret } = await services.totp.beginEnrollment(user, `${user}-enrollment`);
  assert.ok((await services.totp.confirmEnrollment(user, `${user}-enrollment`, harness.code(secret))).ok);
  const authenticator = createSoftAuthenticator(PASSKEY_ORIGIN);
  for (const page of [`${user}-page-1`, `${user}-page-2`]) {
    const options = await services.passkeys.registrationOptions(user, page);
    assert.ok(options, 'passkeys are on');
    const registered = await services.passkeys.register(
      user,
      { boundTo: page, response: authenticator.register(options) },
      page,
    );
    assert.ok(registered.ok, JSON.stringify(registered));
  }
  const signIn = await services.passkeys.authenticationOptions(user, `${user}-sign-in`);
  assert.ok(signIn);
  const used = await services.passkeys.verify(user, {
    boundTo: `${user}-sign-in`,
    response: authenticator.authenticate(signIn),
  });
  assert.ok(used.ok, JSON.stringify(used));
  for (const agent of ['Firefox on Linux', 'Chrome on Android']) await services.trusted.issue(user, agent, 30);
}

/** Enrolls `user` in security questions, with the pair the next login asks chosen. */
export async function holdQuestionRecords(harness: LoginHarness, user: string): Promise<void> {
  const services = harness.gateway.login as LoginServices;
  assert.equal(await services.questions.save(user, ANSWERS), undefined);
  assert.equal((await services.questions.asked(user))?.length, 2);
}

/** The keys among `keys` that name `user` (as a hash tag `{u:user}` or otherwise). */
export function keysNaming(keys: readonly string[], user: string): string[] {
  return keys.filter((key) => key.includes(user));
}
