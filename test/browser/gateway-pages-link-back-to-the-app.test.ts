// Issue 15, part 3: "the account page and every gateway page link back to the app". An admin
// walks through the gateway's pages in Chromium (the first login's enrollment and recovery
// codes, the code step with and without its error, the account and its sub-pages, the sessions
// page, the admin console, a gateway error page): each shows one link back to the app, to an
// address outside the gateway's prefix, and following it from a signed-in page reaches the app.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { JOURNEY_TIMEOUT_MS, pathOf, signInWithAppForm, startBrowser, startJourney } from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';

const browser = await startBrowser();
const STEP_MS = 30_000;
const BACK = 'Back to the app';

/** The page has exactly one link back to the app, and it leaves the gateway's pages; returns its path. */
async function expectOneWayBack(page: Page, prefix: string): Promise<string> {
  const links = page.getByRole('link', { name: BACK });
  assert.equal(await links.count(), 1, `one "${BACK}" link on ${pathOf(page)}`);
  const href = (await links.getAttribute('href')) ?? '';
  const target = new URL(href, page.url());
  assert.equal(target.origin, new URL(page.url()).origin, `${pathOf(page)} links back to this site`);
  assert.ok(!target.pathname.startsWith(`${prefix}/`), `${pathOf(page)} links to ${target.pathname}, a gateway page`);
  return target.pathname;
}

test('every gateway page an admin sees links back to the app once', { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const { harness, page } = await startJourney(t, browser);
  const prefix = harness.config.listen.gateway_prefix;
  const seen: string[] = [];
  const check = async () => {
    await expectOneWayBack(page, prefix);
    seen.push(pathOf(page));
  };

  // The first login: enrollment, then the recovery codes.
  assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/enroll`);
  await check();
  const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
  await page.locator('#code').fill(harness.code(secret));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await page.locator('#recovery-codes').waitFor();
  await check();
  await page.getByRole('link', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/dashboard');
  harness.clock.advance(STEP_MS);

  // The code step, as asked and after a wrong code.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/login');
  assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/step-up`);
  await check();
  await page.locator('#code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('alert').waitFor();
  await check();
  await page.locator('#code').fill(harness.code(secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((url) => url.pathname === '/dashboard');

  // The signed-in pages, and a gateway page that does not exist.
  for (const path of [
    '/account',
    '/account/sessions',
    '/account/passkeys',
    '/admin/users',
    `/admin/user?name=${ADMIN.user}`,
    '/admin/audit',
    '/admin/allowlists',
    '/no-such-page',
  ]) {
    await page.goto(`${prefix}${path}`);
    await check();
  }
  t.diagnostic(`checked: ${seen.join(' ')}`);

  // From the sessions page, the link leads into the app itself.
  await page.goto(`${prefix}/account/sessions`);
  await page.getByRole('link', { name: BACK }).click();
  await page.waitForURL((url) => !url.pathname.startsWith(`${prefix}/`));
  await page.locator('.topbar .user', { hasText: ADMIN.user }).waitFor();
});
