// S12 in a real Chromium: a second passkey is added with nothing typed in the code field, so the
// page's button first signs in with the passkey held (on the laptop's authenticator), then makes
// the new one (on a security key: the laptop's authenticator refuses a second passkey for the
// same account), and both answers go in the one form.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { JOURNEY_TIMEOUT_MS, signInWithAppForm, startBrowser } from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';
import { addVirtualAuthenticator, startPasskeyJourney } from '../helpers/passkey-journey.js';

const browser = await startBrowser();

async function statusText(page: Page): Promise<string> {
  return (await page.locator('[data-passkey-status]').first().textContent()) ?? '';
}

test('a passkey confirms the addition of another, in the same form', { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const { harness, page, prefix, cdp } = await startPasskeyJourney(t, browser);
  await addVirtualAuthenticator(cdp, 'internal');

  assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/enroll`);
  await page.getByRole('link', { name: 'Set up a passkey instead' }).click();
  await page.locator('#passkey-name').fill('Laptop');
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  await page.locator('#recovery-codes').waitFor();

  const key = await addVirtualAuthenticator(cdp, 'usb');
  await page.goto(`${prefix}/account/passkeys`);
  await page.locator('#passkey-name').fill('Security key');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  try {
    await page.locator('#passkeys strong', { hasText: 'Security key' }).waitFor();
  } catch (error) {
    throw new Error(`not added; the page says: ${await statusText(page)}`, { cause: error });
  }
  const services = harness.gateway.login;
  assert.ok(services);
  assert.deepEqual(
    (await services.passkeys.list(ADMIN.user)).map((passkey) => passkey.name),
    ['Laptop', 'Security key'],
  );
  assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId: key })).credentials.length, 1);
  const registered = harness
    .logText()
    .split('\n')
    .filter((line) => line.includes('"event":"passkey.registered"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(registered.at(-1)?.confirmed_with, 'passkey');
});
