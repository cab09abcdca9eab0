// The admin console in a real browser (issue 16): an admin who signed in with a TOTP code finds
// a staff member, ends their sessions (the staff member's next request is signed out), resets
// their second step, and reads both changes in the audit events with the admin as author. Every
// step is a plain form post; destructive ones go through their confirmation page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JOURNEY_TIMEOUT_MS, signInWithAppForm, startBrowser, startJourney } from '../helpers/browser.js';
import { ADMIN, STAFF } from '../helpers/login-harness.js';

const browser = await startBrowser();

test(
  'an admin finds a user, ends their sessions, resets their factor and sees it in the audit events',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const { harness, page } = await startJourney(t, browser);
    const prefix = harness.config.listen.gateway_prefix;
    const { secret } = await harness.enrollAdmin();

    // The staff member signs in and sets up TOTP on their account page.
    const staff = harness.browser();
    assert.equal((await staff.login(STAFF.user, STAFF.password)).location, '/dashboard');
    await staff.enroll(`${prefix}/account/enroll`);
    assert.equal((await staff.get('/dashboard')).status, 200);

    // The admin signs in with the app's form and a TOTP code.
    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/step-up`);
    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');

    // Find the user.
    await page.goto(`${prefix}/account`);
    await page.getByRole('link', { name: 'Admin console' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByLabel('Find a user').fill('bo');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.locator('tr[data-user="bob"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /staff\s*TOTP/);
    await row.getByRole('link', { name: 'bob' }).click();
    await page.getByRole('heading', { name: 'User bob' }).waitFor();
    assert.equal(await page.locator('#user-sessions').textContent(), '1');

    // End their sessions, through the confirmation page.
    await page.getByRole('button', { name: 'End all sessions' }).click();
    await page.getByRole('heading', { name: 'End every session of bob?' }).waitFor();
    assert.equal((await staff.get('/dashboard')).status, 200, 'nothing ended before the confirmation');
    await page.getByRole('button', { name: 'Yes, end every session' }).click();
    await page.getByRole('status').filter({ hasText: 'bob: ended 1 session;' }).waitFor();
    assert.equal(await page.locator('#user-sessions').textContent(), '0');
    const signedOut = await staff.get('/dashboard');
    assert.equal(signedOut.status, 303, "the staff member's next request is signed out");
    assert.match(signedOut.location ?? '', /^\/login/);

    // Reset their second step.
    await page.getByRole('button', { name: 'Reset second step' }).click();
    await page.getByRole('button', { name: 'Yes, reset the second step' }).click();
    await page.getByRole('status').filter({ hasText: 'bob: removed TOTP, 10 recovery codes;' }).waitFor();
    assert.match((await page.locator('#user-factors').textContent()) ?? '', /^none;/);

    // The audit events of bob: both changes, by alice on the admin page.
    await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Audit events' }).click();
    await page.getByLabel('User').fill('bob');
    await page.getByRole('button', { name: 'Filter' }).click();
    const events = page.locator('#audit-events tbody tr');
    const reset = events.filter({ hasText: 'enrollment.factor_reset' });
    await reset.waitFor();
    assert.match((await reset.textContent()) ?? '', /bob\s*alice \(admin_page\)/);
    const revoked = events.filter({ hasText: 'session.revoked' }).filter({ hasText: 'alice (admin_page)' });
    assert.equal(await revoked.count(), 1);
    assert.equal(await events.filter({ hasText: 'enrollment.totp_enrolled' }).count(), 1, "bob's own enrollment too");
  },
);
