// A staff member, for whom the default policy asks no second step, signs in with the app's own
// form and lands on the app's dashboard: the browser never sees a gateway page on the way.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOURNEY_TIMEOUT_MS, signInWithAppForm, startBrowser, startJourney } from '../helpers/browser.js';
import { STAFF } from '../helpers/login-harness.js';

const browser = await startBrowser();

test('a staff member signs in straight to the dashboard', { timeout: JOURNEY_TIMEOUT_MS }, async (t) => {
  const { harness, page } = await startJourney(t, browser);
  const prefix = harness.config.listen.gateway_prefix;
  const requested: string[] = [];
  const visited: string[] = [];
  page.on('request', (request) => requested.push(new URL(request.url()).pathname));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(new URL(frame.url()).pathname);
  });

  assert.equal(await signInWithAppForm(page, STAFF.user, STAFF.password), '/dashboard');
  await page.locator('.topbar .user', { hasText: STAFF.user }).waitFor();
  // The app's page script works through the gateway for staff as well.
  await page.locator('#invoice-count', { hasText: 'invoices loaded from the API.' }).waitFor();
  await page.locator('#live-events li', { hasText: `"user":"${STAFF.user}"` }).waitFor();

  assert.deepEqual(visited, ['/login', '/dashboard'], 'the login page, then the dashboard');
  const gatewayPaths = requested.filter((path) => path === prefix || path.startsWith(`${prefix}/`));
  assert.deepEqual(gatewayPaths, [], 'no request went to a gateway page');
});
