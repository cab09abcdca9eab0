// An admin in a real browser: enrolls TOTP at the first login, opens the allowlists' admin
// page, sees the address the gateway sees, adds an entry with a note to the staff list and
// removes it again; both changes land in the watched gateway.yaml.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../src/config/load.js';
import { JOURNEY_TIMEOUT_MS, signInWithAppForm, startBrowser, startJourney } from '../helpers/browser.js';
import { ADMIN } from '../helpers/login-harness.js';

const browser = await startBrowser();

/** The staff list as the gateway loads it from the file. */
async function staffListInFile(file: string) {
  const loaded = await loadConfigFile(file);
  assert.ok(loaded.ok, 'the edited file loads');
  return loaded.config.allowlists.lists.staff ?? [];
}

test(
  'an admin adds and removes a staff address with a note on the admin page',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const { harness, page } = await startJourney(t, browser, { harness: { liveConfig: true } });
    const prefix = harness.config.listen.gateway_prefix;
    const file = join(harness.dataDir, 'gateway.yaml');

    assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), `${prefix}/enroll`);
    const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
    await page.locator('#code').fill(harness.code(secret));
    await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');

    await page.goto(`${prefix}/admin/allowlists`);
    await page.getByRole('heading', { name: 'Staff IP allowlists' }).waitFor();
    assert.equal(await page.locator('#your-address code').textContent(), '127.0.0.1', 'the address the gateway sees');
    const staff = page.locator('section[data-list="list:staff"]');
    await staff.getByRole('heading', { name: 'List staff' }).waitFor();

    // The form starts on the list that policy binds staff to.
    assert.equal(await page.locator('#name').inputValue(), 'staff');
    await page.locator('#cidr').fill('203.0.113.0/25');
    await page.locator('#note').fill('Lyon branch, until the VPN is up');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'List staff: added 203.0.113.0/25 (Lyon branch, until the VPN is up);' })
      .waitFor();
    const added = staff.locator('li', { hasText: '203.0.113.0/25' });
    assert.equal(await added.locator('.note').textContent(), 'Lyon branch, until the VPN is up');
    assert.deepEqual((await staffListInFile(file)).at(-1), {
      cidr: '203.0.113.0/25',
      note: 'Lyon branch, until the VPN is up',
    });

    // A mistyped range is refused on the page with the reason; what was typed stays in the form.
    await page.locator('#cidr').fill('203.0.113.200/25');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByRole('alert').filter({ hasText: 'has bits set after the /25 prefix' }).waitFor();
    assert.equal(await page.locator('#cidr').inputValue(), '203.0.113.200/25');

    await page.getByRole('button', { name: 'Remove 203.0.113.0/25 from list staff' }).click();
    await page.getByRole('status').filter({ hasText: 'List staff: removed 203.0.113.0/25;' }).waitFor();
    assert.equal(await staff.locator('li', { hasText: '203.0.113.0/25' }).count(), 0);
    assert.equal(
      (await staffListInFile(file)).find((entry) => entry.cidr === '203.0.113.0/25'),
      undefined,
    );
  },
);
