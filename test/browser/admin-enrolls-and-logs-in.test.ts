// The admin's whole journey in a real browser: the app's own login form, the gateway's
// enrollment (the secret read off the page, the code computed here), the recovery codes, the
// app's dashboard working through the gateway (its fetch of /api/invoices and its WebSocket),
// the app's logout, a second login with a code, and a wrong code refused with the generic message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  JOURNEY_TIMEOUT_MS,
  pathOf,
  signInWithAppForm,
  signOutWithAppButton,
  startBrowser,
  startJourney,
} from '../helpers/browser.js';
import { ADMIN, type LoginHarness } from '../helpers/login-harness.js';

const browser = await startBrowser();
const STEP_MS = 30_000;
const GENERIC_FAILURE = 'That code did not work. Please try again.';

/** A 6-digit code that matches none of the steps the gateway accepts now (-1, 0, +1). */
function wrongCode(harness: LoginHarness, secret: string): string {
  const accepted = new Set([-1, 0, 1].map((steps) => harness.code(secret, steps)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!accepted.has(code)) return code;
  }
}

/** Waits until the dashboard's own script has loaded the invoices from the API and opened its WebSocket. */
async function expectWorkingDashboard(page: Page, user: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/dashboard');
  await page.locator('.topbar .user', { hasText: user }).waitFor();
  const rows = await page.locator('table tbody tr').count();
  assert.ok(rows > 0, 'the dashboard lists invoices');
  // app.js fetches /api/invoices and writes the count; the table is server-rendered, the count is not.
  await page.locator('#invoice-count', { hasText: `${rows} invoices loaded from the API.` }).waitFor();
  // app.js opens /ws: the app greets the user by name, then echoes what the page sent.
  await page.locator('#live-events li', { hasText: `websocket: {"type":"hello","user":"${user}"}` }).waitFor();
  await page.locator('#live-events li', { hasText: 'websocket: echo:dashboard connected' }).waitFor();
}

test(
  'an admin enrolls TOTP on first login, then needs a code at every login',
  {
    timeout: JOURNEY_TIMEOUT_MS,
  },
  async (t) => {
    const { harness, page } = await startJourney(t, browser);
    const apiAnswers: number[] = [];
    const webSockets: string[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/invoices') apiAnswers.push(response.status());
    });
    page.on('websocket', (socket) => webSockets.push(new URL(socket.url()).pathname));

    // First login: the password is right, but the app's session is withheld until TOTP is set up.
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/enroll');
    await page.locator('.qr svg').waitFor();
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    assert.match(secret, /^[A-Z2-7]{16,}$/, 'the secret is shown as base32 text');

    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await page.locator('#recovery-codes').waitFor();
    assert.equal(await page.locator('#recovery-codes li').count(), 10, 'ten recovery codes are shown once');

    await page.getByRole('link', { name: 'Continue' }).click();
    await expectWorkingDashboard(page, ADMIN.user);
    assert.deepEqual(apiAnswers, [200], 'the page script fetched the invoices through the gateway');
    assert.deepEqual(webSockets, ['/ws'], 'the page script opened its WebSocket through the gateway');

    await signOutWithAppButton(page);
    // The enrollment code's step is spent (no replay, S5): the next login is a step later.
    harness.clock.advance(STEP_MS);

    // Second login: the code prompt, the right code, the dashboard.
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/step-up');
    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expectWorkingDashboard(page, ADMIN.user);

    await signOutWithAppButton(page);
    harness.clock.advance(STEP_MS);

    // Third login: a wrong code gets the one generic message and no session.
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/step-up');
    await page.locator('#code').fill(wrongCode(harness, secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: GENERIC_FAILURE }).waitFor();
    assert.equal(pathOf(page), '/_gateway/step-up', 'still on the step-up page');
    assert.ok(await page.locator('#code').isVisible(), 'the code prompt is offered again');
    const api = await page.request.get('/api/invoices', { headers: { accept: 'application/json' } });
    assert.equal(api.status(), 401, 'the pending login reaches nothing of the app');
  },
);
