// Issue 12 item 1 (S14) in a real browser: an old CGI app whose login answers a 200 frameset
// with relative frame sources (menu.pl, main.pl). The frameset is withheld until the admin's
// TOTP step; afterwards Chromium shows it at the login path, so both frames resolve to the app
// and load with the app's session, after the first enrollment and after a later step alike.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { JOURNEY_TIMEOUT_MS, pathOf, startBrowser } from '../helpers/browser.js';
import { CGI_ADMIN, LOGIN_PATH, startCgiHarness } from '../helpers/cgi-app.js';

const browser = await startBrowser();
const STEP_MS = 30_000;

/** Signs in with the app's own form; returns the gateway page the browser was sent to. */
async function signIn(page: Page): Promise<string> {
  await page.goto(LOGIN_PATH);
  await page.locator('input[name="login"]').fill(CGI_ADMIN.user);
  await page.locator('input[name="password"]').fill(CGI_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/_gateway/'));
  return pathOf(page);
}

/** Waits for the frameset at the login path and for each frame's own content (not a 404 page). */
async function expectFramesLoaded(page: Page): Promise<void> {
  await page.waitForURL((url) => url.pathname === LOGIN_PATH);
  await page
    .frameLocator('frame[name="menu"]')
    .locator('#menu', { hasText: `Menu of ${CGI_ADMIN.user}` })
    .waitFor();
  await page
    .frameLocator('frame[name="main"]')
    .locator('#main', { hasText: `Main page of ${CGI_ADMIN.user}` })
    .waitFor();
  const frames = page.frames().map((frame) => new URL(frame.url()).pathname);
  assert.deepEqual(frames.slice(1).sort(), ['/cgi/main.pl', '/cgi/menu.pl'], 'the frames resolved under /cgi/');
}

test(
  'the withheld frameset loads its frames after enrollment and after the TOTP step',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const harness = await startCgiHarness();
    let page: Page;
    try {
      page = await browser.newPage({ baseURL: harness.gatewayUrl });
    } catch (error) {
      await harness.close();
      throw error;
    }
    // The page's context first, so that the gateway's shutdown has nothing to drain.
    t.after(async () => {
      try {
        await page.context().close();
      } finally {
        await harness.close();
      }
    });
    const frameAnswers: Array<[string, number]> = [];
    page.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (path.endsWith('/menu.pl') || path.endsWith('/main.pl')) frameAnswers.push([path, response.status()]);
    });

    // First login: the admin owes TOTP and has none; enrollment, recovery codes, Continue.
    assert.equal(await signIn(page), '/_gateway/enroll');
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await page.locator('#recovery-codes').waitFor();
    await page.getByRole('link', { name: 'Continue' }).click();
    await expectFramesLoaded(page);

    // A later login in a fresh browser state: the code step, then the frameset again.
    await page.context().clearCookies();
    harness.clock.advance(STEP_MS);
    assert.equal(await signIn(page), '/_gateway/step-up');
    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await expectFramesLoaded(page);

    assert.ok(frameAnswers.length >= 4);
    for (const [path, status] of frameAnswers) assert.equal(status, 200, `${path} loaded, not a 404`);
  },
);
