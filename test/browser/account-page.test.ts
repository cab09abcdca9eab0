// An enrolled admin opens the gateway's account page, sees two-factor authentication on, turns it
// off with a current code (S12: removing a factor requires passing it), and sees it off.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOURNEY_TIMEOUT_MS, pathOf, signInWithAppForm, startBrowser, startJourney } from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';

const browser = await startBrowser();
const STEP_MS = 30_000;

test('an enrolled admin turns TOTP off on the account page', { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const { harness, page } = await startJourney(t, browser);
  const prefix = harness.config.listen.gateway_prefix;
  // Enrolled beforehand over plain HTTP; the enrollment itself is the admin journey's subject.
  const { secret } = await harness.enrollAdmin();

  assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/step-up`);
  await page.locator('#code').fill(harness.code(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((url) => url.pathname === '/dashboard');

  await page.goto(`${prefix}/account`);
  await page.getByText(`Signed in as ${ADMIN.user}`).waitFor();
  await page.getByText('Two-factor authentication is on (10 recovery codes left).').waitFor();

  // The login's code is spent (no replay, S5): turning it off takes the next step's code.
  harness.clock.advance(STEP_MS);
  await page.locator('#code').fill(harness.code(secret));
  await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
  await page.getByText('Two-factor authentication is off.').waitFor();
  assert.equal(pathOf(page), `${prefix}/account/disable`);
  assert.ok(await page.getByRole('link', { name: 'Set up an authenticator app' }).isVisible());

  // Still off when the page is opened afresh, not just in the answer to the form.
  await page.goto(`${prefix}/account`);
  await page.getByText('Two-factor authentication is off.').waitFor();
});
