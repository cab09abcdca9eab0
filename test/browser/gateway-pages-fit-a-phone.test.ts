// The gateway's own pages on a phone (390x844, touch, the page's viewport meta honoured): no
// sideways scrolling, the QR code shown whole, the form's field and button on screen, nothing
// refused by the strict CSP. Each page is also saved as a PNG for a person to look at: into
// $BROWSER_SCREENSHOT_DIR when set (kept), otherwise into a temporary folder removed afterwards.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import {
  JOURNEY_TIMEOUT_MS,
  PHONE_VIEWPORT,
  signInWithAppForm,
  startBrowser,
  startJourney,
} from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';

const browser = await startBrowser();
const PHONE = { viewport: PHONE_VIEWPORT, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } as const;
/** The QR code may shrink on a narrow screen (its CSS caps it at 240px), but not so far that a camera misreads it. */
const MIN_QR_CSS_PX = 200;

const keptDir = process.env.BROWSER_SCREENSHOT_DIR;
const screenshotDir = keptDir ?? (await mkdtemp(join(tmpdir(), 'gateway-screenshots-')));
await mkdir(screenshotDir, { recursive: true });
if (!keptDir) after(() => rm(screenshotDir, { recursive: true, force: true }));

/** Collects what the browser refused (CSP violations are console messages) and the page's script errors. */
function watchRefusals(page: Page): string[] {
  const refusals: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) refusals.push(message.text());
  });
  page.on('pageerror', (error) => refusals.push(error.message));
  return refusals;
}

/** Saves the whole page as a PNG and names its path in the test's output. */
async function screenshot(t: TestContext, page: Page, name: string): Promise<void> {
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  t.diagnostic(`screenshot: ${path}`);
}

/** Nothing is wider than the phone: the document does not scroll sideways. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
  assert.ok(
    scrollWidth <= PHONE_VIEWPORT.width,
    `the page is ${scrollWidth}px wide on a ${PHONE_VIEWPORT.width}px phone`,
  );
}

/** The element is visible and lies within the phone's width. */
async function expectWithinWidth(locator: Locator, what: string): Promise<{ width: number; height: number }> {
  await locator.waitFor();
  const box = await locator.boundingBox();
  assert.ok(box, `${what} is laid out`);
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE_VIEWPORT.width, `${what} spans ${box.x}..${box.x + box.width}px`);
  return box;
}

test('the enrollment and recovery-code pages fit a phone', { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const { harness, page } = await startJourney(t, browser, { context: PHONE });
  const refusals = watchRefusals(page);

  assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/enroll');
  const qr = await expectWithinWidth(page.locator('.qr svg'), 'the QR code');
  assert.ok(qr.width >= MIN_QR_CSS_PX && qr.height >= MIN_QR_CSS_PX, `the QR code is ${qr.width}x${qr.height}px`);
  await expectWithinWidth(page.locator('#totp-secret'), 'the secret');
  await expectWithinWidth(page.locator('#code'), 'the code field');
  await expectWithinWidth(page.getByRole('button', { name: 'Turn on two-factor authentication' }), 'the button');
  await expectNoSidewaysScroll(page);
  await screenshot(t, page, 'enroll');

  const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
  await page.locator('#code').fill(harness.code(secret));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expectWithinWidth(page.locator('#recovery-codes'), 'the recovery codes');
  await expectWithinWidth(page.getByRole('link', { name: 'Continue' }), 'the way on');
  await expectNoSidewaysScroll(page);
  await screenshot(t, page, 'recovery-codes');

  assert.deepEqual(refusals, [], 'the browser refused nothing on the gateway pages');
});

test(
  'the step-up page (with and without its error), the account page and the admin console fit a phone',
  {
    timeout: JOURNEY_TIMEOUT_MS,
  },
  async (t) => {
    const { harness, page } = await startJourney(t, browser, { context: PHONE });
    const refusals = watchRefusals(page);
    const { secret } = await harness.enrollAdmin();

    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/step-up');
    await expectWithinWidth(page.locator('#code'), 'the code field');
    await expectWithinWidth(page.getByRole('button', { name: 'Verify' }), 'the button');
    await expectNoSidewaysScroll(page);
    await screenshot(t, page, 'step-up');

    await page.locator('#code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expectWithinWidth(page.getByRole('alert'), 'the error message');
    await expectNoSidewaysScroll(page);
    await screenshot(t, page, 'step-up-wrong-code');

    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');
    await page.goto('/_gateway/account');
    await expectWithinWidth(page.locator('#code'), 'the code field');
    await expectWithinWidth(page.getByRole('button', { name: 'Turn off two-factor authentication' }), 'the button');
    await expectNoSidewaysScroll(page);
    await screenshot(t, page, 'account');

    // The admin console: its tables scroll within the page, the page itself does not.
    for (const [path, name] of [
      ['/_gateway/admin/users', 'admin-users'],
      ['/_gateway/admin/user?name=alice', 'admin-user'],
      ['/_gateway/admin/audit', 'admin-audit'],
    ] as const) {
      await page.goto(path);
      await expectWithinWidth(page.getByRole('navigation', { name: 'Admin console' }), `the navigation of ${path}`);
      await expectNoSidewaysScroll(page);
      await screenshot(t, page, name);
    }

    assert.deepEqual(refusals, [], 'the browser refused nothing on the gateway pages');
  },
);
