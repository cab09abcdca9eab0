// Issue 5, S12, in a real browser: one second step at a time. With TOTP on, the account page
// says questions are off and setting them up is refused with a page saying to turn TOTP off
// first; after turning TOTP off (with a code) questions can be set up, and then setting up an
// app is refused the same way; turning questions off needs the 2 asked answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOURNEY_TIMEOUT_MS, signInWithAppForm, startBrowser, startJourney } from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';
import { ANSWERS } from '../helpers/questions.js';

const browser = await startBrowser();
const STEP_MS = 30_000;

test(
  'TOTP and security questions refuse each other on the account page',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const { harness, page } = await startJourney(t, browser);
    const prefix = harness.config.listen.gateway_prefix;
    const { secret } = await harness.enrollAdmin();

    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/step-up`);
    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');

    // TOTP on: questions are refused.
    await page.goto(`${prefix}/account`);
    await page.getByText('Security questions are off: only one second step can be on at a time.').waitFor();
    const refused = await page.goto(`${prefix}/account/questions`);
    assert.equal(refused?.status(), 409);
    await page.getByRole('heading', { name: 'Turn off two-factor authentication first' }).waitFor();
    await page.getByRole('link', { name: 'Back to your account' }).click();

    // TOTP off (with the next code), then questions set up from the account page.
    harness.clock.advance(STEP_MS);
    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    await page.getByText('Two-factor authentication is off.').waitFor();
    await page.getByRole('link', { name: 'Set up security questions' }).click();
    for (const [id, answer] of ANSWERS) await page.locator(`#answer_${id}`).fill(answer);
    await page.getByRole('button', { name: 'Turn on security questions' }).click();
    await page.getByText('Security questions are on.').waitFor();

    // Questions on: an authenticator app is refused.
    const refusedApp = await page.goto(`${prefix}/account/enroll`);
    assert.equal(refusedApp?.status(), 409);
    await page.getByRole('heading', { name: 'Turn off security questions first' }).waitFor();

    // Turning questions off takes the 2 asked answers; then the app can be set up again.
    await page.goto(`${prefix}/account`);
    const ids = await page.locator('input.answer').evaluateAll((inputs) => inputs.map((input) => input.id));
    assert.equal(ids.length, 2);
    for (const id of ids) await page.locator(`#${id}`).fill(ANSWERS.get(id.replace(/^current_/, '')) as string);
    await page.getByRole('button', { name: 'Turn off security questions' }).click();
    await page.getByText('Two-factor authentication is off.').waitFor();
    await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
    await page.locator('.qr svg').waitFor();
  },
);
