// Conformance with a real third-party app (issue 12.7, S14): Django's admin behind the gateway,
// configured with the shipped config/login/django-admin.yaml as it is (only the upstream's
// address and where the data folder and the LMDB store live are the test's), driven in Chromium
// as its admin would: a mistyped password typed again, the first TOTP enrollment, an object added and Django's
// one-time message seen on the next page, a password change that keeps the admin signed in, the
// gateway's sign-out ending Django's session, and a second login with the TOTP step-up.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { JOURNEY_TIMEOUT_MS, pathOf, startBrowser } from '../helpers/browser.js';
import { djangoMissing, startDjangoAdmin } from '../helpers/django-app.js';
import { type ConfigInput, startTestGateway } from '../helpers/gateway.js';
import { createClock, totpCode } from '../helpers/login-harness.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN = { name: 'admin', password: 'first-password-2026' };
const NEW_PASSWORD = 'second-password-2026';
const STEP_MS = 30_000;
const WRONG_PASSWORD_TEXT = 'Please enter the correct username and password';

const missing = await djangoMissing();
const browser = missing ? undefined : await startBrowser();

/** The shipped Django admin example, pointed at this test's Django, with its data folder and store in a temporary folder. */
async function shippedConfig(djangoUrl: string, port: number, dataDir: string): Promise<ConfigInput> {
  const text = await readFile(new URL('../../config/login/django-admin.yaml', import.meta.url), 'utf8');
  const shipped = parseYaml(text) as ConfigInput;
  return {
    ...shipped,
    upstream: { ...shipped.upstream, url: djangoUrl },
    listen: { host: '127.0.0.1', port },
    data_dir: dataDir,
    // The default durable store, as a deployment has it (its writes reach the disk before they are
    // acknowledged: what a released answer must wait for), in the test's folder.
    store: { type: 'lmdb', path: join(dataDir, 'store.lmdb') },
  };
}

/** Django's session cookie as the gateway's vault holds it for the user's one session. */
async function vaultSessionId(gateway: Awaited<ReturnType<typeof startTestGateway>>, user: string): Promise<string> {
  const sessions = (await gateway.gateway.login?.records.listSessions(user)) ?? [];
  assert.equal(sessions.length, 1, 'one gateway session');
  const cookie = Object.values(sessions[0]?.jar ?? {}).find((c) => c.name === 'sessionid');
  assert.ok(cookie, "the vault holds Django's session cookie");
  return cookie.value;
}

test(
  "Django's admin works through the gateway as its admin uses it",
  { timeout: JOURNEY_TIMEOUT_MS * 2, skip: missing },
  async (t) => {
    assert.ok(browser);
    const clock = createClock();
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const django = await startDjangoAdmin({ users: [ADMIN], gatewayOrigin: origin });
    t.after(() => django.stop());
    const dataDir = await mkdtemp(join(tmpdir(), 'django-gateway-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const gateway = await startTestGateway(await shippedConfig(django.url, port, dataDir), { now: clock.now });
    t.after(() => gateway.close());
    const page = await browser.newPage({ baseURL: gateway.url });
    t.after(() => page.context().close());
    const userTools = page.locator('#user-tools', { hasText: ADMIN.name });
    let enrolled = '';

    // Default deny sends the browser to Django's login page, which the gateway lets through.
    await page.goto('/admin/');
    await page.waitForURL((url) => url.pathname === '/admin/login/');

    await t.test('a mistyped password can be typed again on the page Django answered with', async () => {
      await page.locator('#id_username').fill(ADMIN.name);
      await page.locator('#id_password').fill(`${ADMIN.password}x`);
      await page.locator('input[type="submit"]').click();
      await page.locator('.errornote', { hasText: WRONG_PASSWORD_TEXT }).waitFor();
      assert.equal(pathOf(page), '/admin/login/');
      // Django keeps the name in its form; the retype is the password only, with the page's CSRF token.
      await page.locator('#id_password').fill(ADMIN.password);
      await page.locator('input[type="submit"]').click();
      await page.waitForURL((url) => url.pathname !== '/admin/login/');
      assert.equal(pathOf(page), '/_gateway/enroll', "Django's CSRF check passed: the admin must enroll TOTP");
    });

    await t.test('the first TOTP enrollment releases the withheld admin', async () => {
      const secret = (await page.locator('#totp-secret').textContent())?.trim() ?? '';
      assert.match(secret, /^[A-Z2-7]{16,}$/);
      await page.locator('#code').fill(totpCode(secret, clock));
      await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
      await page.locator('#recovery-codes').waitFor();
      await page.getByRole('link', { name: 'Continue' }).click();
      await page.waitForURL((url) => url.pathname === '/admin/');
      await userTools.waitFor();
      // The code just used is spent (S5): the next login takes the next step's code.
      clock.advance(STEP_MS);
      enrolled = secret;
    });

    await t.test("an object added shows Django's message on the next page", async () => {
      await page.goto('/admin/auth/group/add/');
      await page.locator('#id_name').fill('Editors');
      await page.locator('input[name="_save"]').click();
      await page.waitForURL((url) => url.pathname === '/admin/auth/group/');
      await page.locator('.messagelist', { hasText: 'was added successfully' }).waitFor();
      await page.locator('#result_list', { hasText: 'Editors' }).waitFor();
    });

    await t.test('a password change keeps the admin signed in', async () => {
      await page.goto('/admin/password_change/');
      await page.locator('#id_old_password').fill(ADMIN.password);
      await page.locator('#id_new_password1').fill(NEW_PASSWORD);
      await page.locator('#id_new_password2').fill(NEW_PASSWORD);
      await page.locator('input[type="submit"]').click();
      await page.waitForURL((url) => url.pathname === '/admin/password_change/done/');
      await userTools.waitFor();
      await page.goto('/admin/');
      assert.equal(pathOf(page), '/admin/');
      await userTools.waitFor();
    });

    const sessionId = await vaultSessionId(gateway, ADMIN.name);
    const djangoSignedIn = async () => {
      const answer = await fetch(`${django.url}/admin/`, {
        headers: { cookie: `sessionid=${sessionId}` },
        redirect: 'manual',
      });
      await answer.body?.cancel();
      return answer.status === 200;
    };
    assert.equal(await djangoSignedIn(), true, "the vault's Django session is signed in");

    await t.test("the gateway's sign-out leaves the browser signed out", async () => {
      await page.goto('/_gateway/account');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.pathname === '/admin/login/');
      await page.goto('/admin/');
      await page.waitForURL((url) => url.pathname === '/admin/login/');
    });

    await t.test("the gateway's sign-out ends Django's session", async () => {
      await waitFor("Django's session to end", async () => !(await djangoSignedIn()));
      assert.equal(await django.liveSessions(), 0, "Django's session table holds no live session");
    });

    await t.test('the next login asks for the TOTP code, then opens the admin', async () => {
      await page.locator('#id_username').fill(ADMIN.name);
      await page.locator('#id_password').fill(NEW_PASSWORD);
      await page.locator('input[type="submit"]').click();
      await page.waitForURL((url) => url.pathname === '/_gateway/step-up');
      await page.locator('#code').fill(totpCode(enrolled, clock));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL((url) => url.pathname === '/admin/');
      await userTools.waitFor();
    });
  },
);
