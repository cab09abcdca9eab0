// Passkeys in a real Chromium with its virtual authenticator (the DevTools protocol's WebAuthn
// domain): an admin's first login registers a passkey, the next login signs in with it, an
// answer naming a credential the gateway never registered is refused, a counter that goes
// backwards (a cloned authenticator) is refused; the passkey is renamed (shown as text), a
// second one is added with a recovery code in the form (S12), one is removed after a passkey
// confirms it, the other after a recovery code does (a spent one does not). WebAuthn needs a
// secure context and a host name: the gateway's public origin is http://localhost:<port>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  JOURNEY_TIMEOUT_MS,
  pathOf,
  signInWithAppForm,
  signOutWithAppButton,
  startBrowser,
} from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';
import { addVirtualAuthenticator, startPasskeyJourney } from '../helpers/passkey-journey.js';

const browser = await startBrowser();

/** Runs `act` and waits for the gateway's answer to the step-up form it posts (so a page's old text is not taken for the new). */
async function answered(page: Page, act: () => Promise<unknown>): Promise<void> {
  const answer = page.waitForResponse(
    (response) => new URL(response.url()).pathname.endsWith('/step-up') && response.request().method() === 'POST',
  );
  await act();
  await answer;
}

/** The audit lines of one event in the gateway's log. */
function auditLines(logText: string, event: string): Array<Record<string, unknown>> {
  return logText
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test(
  'a passkey is registered, signs in, is refused when unknown or cloned, and is removed',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const { harness, page, prefix, cdp } = await startPasskeyJourney(t, browser);
    const services = harness.gateway.login;
    assert.ok(services);
    // A platform authenticator: what a laptop's fingerprint reader is.
    const authenticatorId = await addVirtualAuthenticator(cdp);

    // A first login owes an enrollment (admins must have a second step); a passkey is offered beside the app.
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/enroll`);
    await page.getByRole('link', { name: 'Set up a passkey instead' }).click();
    await page.locator('#passkey-name').fill('Test laptop');
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await page.locator('#recovery-codes').waitFor();
    const recoveryCodes = await page.locator('#recovery-codes li').allTextContents();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    const [registered] = auditLines(harness.logText(), 'passkey.registered');
    assert.equal(registered?.user, ADMIN.user);
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');

    // One kind at a time: security questions are refused while a passkey is on.
    const questions = await page.goto(`${prefix}/account/questions`);
    assert.equal(questions?.status(), 409);

    // The next login asks for the second step and the passkey passes it.
    await page.goto('/dashboard');
    await signOutWithAppButton(page);
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/step-up`);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');
    assert.ok(auditLines(harness.logText(), 'step_up.passed').some((line) => line.method === 'passkey'));

    // An answer naming a credential the gateway never registered fails like a wrong code.
    await signOutWithAppButton(page);
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/step-up`);
    const forged = JSON.stringify({
      id: 'bm90LWEtcmVnaXN0ZXJlZC1wYXNza2V5',
      rawId: 'bm90LWEtcmVnaXN0ZXJlZC1wYXNza2V5',
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
      clientExtensionResults: {},
    });
    await page.locator('input[name="passkey_response"]').evaluate((field, value) => {
      (field as unknown as { value: string }).value = value;
    }, forged);
    await answered(page, () =>
      page.locator('form[data-passkey]').evaluate((form) => (form as unknown as { submit(): void }).submit()),
    );
    await page.getByText('That code did not work. Please try again.').waitFor();
    assert.equal(pathOf(page), `${prefix}/step-up`);
    assert.ok(
      auditLines(harness.logText(), 'step_up.failed').some((line) => line.reason === 'passkey not_enrolled'),
      'the failure is logged as an unknown passkey',
    );

    // A copy of the authenticator whose counter is behind the gateway's (a clone) is refused.
    const [original] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    assert.ok(original && original.signCount > 0, 'the virtual authenticator counts signatures');
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...original, signCount: 0 } });
    await answered(page, () => page.getByRole('button', { name: 'Use a passkey' }).click());
    await page.getByText('That code did not work. Please try again.').waitFor();
    assert.ok(auditLines(harness.logText(), 'step_up.failed').some((line) => line.reason === 'passkey replayed'));

    // The authenticator put back as it was passes again, and the passkey can then be removed.
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: { ...original, signCount: original.signCount + 10 },
    });
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');

    await page.goto(`${prefix}/account`);
    await page.getByRole('link', { name: 'Passkeys (1)' }).click();
    await page.getByText('Test laptop').waitFor();

    // Renamed, without a step; the name is shown as text, never as markup.
    const markup = '<b>Laptop</b>';
    await page.getByRole('textbox', { name: 'New name for Test laptop' }).fill(markup);
    await page.getByRole('button', { name: 'Rename Test laptop' }).click();
    await page.locator('#passkeys strong', { hasText: markup }).waitFor();
    assert.equal(await page.locator('#passkeys b').count(), 0);
    assert.equal(auditLines(harness.logText(), 'enrollment.passkey_renamed').length, 1);

    // A second passkey needs the step in its own form: here a recovery code. The authenticator
    // lends its slot meanwhile (it would refuse to make a second passkey for the same account).
    const [held] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
    assert.ok(held);
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: held.credentialId });
    await page.locator('#passkey-name').fill('Second');
    await page.locator('#confirm-code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('#passkeys strong', { hasText: 'Second' }).waitFor();
    // Back as a non-discoverable credential: a discoverable one per account fits in the authenticator.
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...held, isResidentCredential: false } });
    assert.equal(auditLines(harness.logText(), 'passkey.registered').at(-1)?.confirmed_with, 'recovery_code');

    // Removing one asks for the step on its own page: a passkey confirms it.
    await page.getByRole('button', { name: `Remove ${markup}` }).click();
    await page.getByText(`Confirm it is you to remove the passkey “${markup}”.`).waitFor();
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.getByText('Second').waitFor();
    assert.equal(await page.locator('#passkeys li').count(), 1);
    assert.equal(auditLines(harness.logText(), 'passkey.removed').at(-1)?.confirmed_with, 'passkey');

    // The other: a spent recovery code does not confirm it, an unused one does.
    await page.getByRole('button', { name: 'Remove Second' }).click();
    await page.locator('#code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('That did not work. Please try again.').waitFor();
    assert.equal((await services.passkeys.list(ADMIN.user)).length, 1);
    await page.locator('#code').fill(recoveryCodes[1] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('You have no passkeys yet.').waitFor();
    assert.equal(auditLines(harness.logText(), 'passkey.removed').length, 2);

    // With no factor left, the admin's next login enrolls one again.
    await page.goto('/dashboard');
    await signOutWithAppButton(page);
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/enroll`);
  },
);
