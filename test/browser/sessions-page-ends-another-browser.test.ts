// Issue 15, parts 3 and 4: "my sessions and devices" in real browsers. The same admin signs in
// (password, then a code) in two browsers, each on its own gateway, the two sharing one Redis.
// In the first, the account page leads to the sessions page, which lists both sessions with this
// one marked; its button ends the other browser's session, whose next page on the other gateway
// is the app's login page once the 2-second record cache has passed. "End all other sessions"
// does the same for every other browser, and "Stop trusting" makes a trusted browser owe the
// code again at its next login, on the other gateway.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, type TestContext, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { JOURNEY_TIMEOUT_MS, pathOf, signInWithAppForm, startBrowser } from '../helpers/browser.js';
import { ADMIN, formField, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { visible } from '../helpers/page-text.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const STEP_MS = 30_000;
/** Just past the record cache: the longest a gateway may serve a session ended elsewhere. */
const CACHE_MS = 2_001;
const TRUST_DAYS = 30;
/** Another device than the first browser's, so that its row on the page tells it apart. */
const PHONE_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

const browser = await startBrowser();
let redis: RedisServer;
before(async () => {
  redis = await startRedisServer();
});
after(() => redis?.stop());

interface World {
  /** The first browser's gateway, where the sessions page is used. */
  readonly a: LoginHarness;
  /** The other gateway: the same app, clock, keys and Redis. */
  readonly b: LoginHarness;
  readonly secret: string;
  /** A page in a browser of its own (its own cookies), on gateway `on`, closed when the test ends. */
  open(on: LoginHarness, userAgent?: string): Promise<Page>;
}

/**
 * Two gateways sharing Redis (a prefix of this test's own) in front of one demo app, and the
 * admin enrolled in TOTP beforehand over plain HTTP; that browser signs out, so the sessions
 * page lists only the test's browsers. Pages close before the gateways, the gateways before the app.
 */
async function startWorld(t: TestContext): Promise<World> {
  const pages: Page[] = [];
  const harnesses: LoginHarness[] = [];
  t.after(async () => {
    try {
      await Promise.all(pages.map((page) => page.context().close()));
    } finally {
      for (const harness of harnesses.reverse()) await harness.close();
    }
  });
  const overrides = {
    store: { type: 'redis', url: redis.url, prefix: `sessions-browser:${randomUUID()}:` },
    policy: { admin: { second_step: 'required', trusted_browser_days: TRUST_DAYS } },
  };
  const a = await startLoginHarness({ overrides });
  harnesses.push(a);
  const b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  harnesses.push(b);

  const enrolled = await a.enrollAdmin();
  const dashboard = await enrolled.browser.get('/dashboard');
  const appCsrf = formField(dashboard.text, 'csrf_token') ?? '';
  assert.match((await enrolled.browser.post('/logout', { csrf_token: appCsrf })).location ?? '', /^\/login/);

  return {
    a,
    b,
    secret: enrolled.secret,
    async open(on, userAgent) {
      const context = await browser.browser.newContext({ baseURL: on.gatewayUrl, userAgent });
      const page = await context.newPage();
      pages.push(page);
      return page;
    },
  };
}

/** Signs the admin in with the app's form and passes the code step (ticking "trust this browser" if told). */
async function signIn(world: World, page: Page, options: { trust?: boolean } = {}): Promise<void> {
  assert.equal(await signInWithAppForm(page, ADMIN.user, ADMIN.password), '/_gateway/step-up');
  await page.locator('#code').fill(world.a.code(world.secret));
  if (options.trust) await page.getByLabel(`Trust this browser for ${TRUST_DAYS} days`).check();
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((url) => url.pathname === '/dashboard');
  // The code is spent (no replay, S5): the next login takes the next step's code.
  world.a.clock.advance(STEP_MS);
}

/** From the app, through the account page's link, to the sessions page. */
async function openSessionsPage(page: Page): Promise<void> {
  await page.goto('/_gateway/account');
  await page.getByRole('link', { name: 'Your sessions and devices' }).click();
  await page.waitForURL((url) => url.pathname === '/_gateway/account/sessions');
}

/** What each row of the sessions list shows, in order. */
async function sessionRows(page: Page): Promise<string[]> {
  const rows = await page.locator('#sessions li').all();
  return Promise.all(rows.map(async (row) => visible(await row.innerHTML())));
}

/** Clicks a button of the sessions page and waits for the page its form answers with. */
async function press(page: Page, button: Locator): Promise<void> {
  const answer = page.waitForResponse((response) => response.request().method() === 'POST');
  await button.click();
  assert.equal((await answer).status(), 200);
  await page.waitForLoadState();
}

/** The app's private page, through whichever gateway the page is on; the path the browser ends at. */
async function dashboardPath(page: Page): Promise<string> {
  await page.goto('/dashboard');
  return pathOf(page);
}

test(
  "the sessions page ends another browser's session, and the other gateway sends that browser to the login page",
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const world = await startWorld(t);
    const mine = await world.open(world.a);
    const phone = await world.open(world.b, PHONE_AGENT);
    await signIn(world, mine);
    await signIn(world, phone);

    await openSessionsPage(mine);
    assert.match(visible(await mine.content()), new RegExp(`Signed in as ${ADMIN.user}`));
    const rows = await sessionRows(mine);
    assert.equal(rows.length, 2, rows.join('\n'));
    const current = rows.filter((row) => row.includes('This browser'));
    assert.equal(current.length, 1, 'one session is marked as this browser');
    assert.match(current[0] ?? '', /^Chrome on Linux from 127\.0\.0\.1/);
    const other = rows.find((row) => !row.includes('This browser')) ?? '';
    assert.match(other, /^Safari on iOS from 127\.0\.0\.1/, 'the phone is listed as the other session');
    assert.match(other, /started .*, last seen /);

    // The phone's own row, found by what it shows, and its button.
    const phoneRow = mine.locator('#sessions li', { hasText: 'Safari on iOS' });
    await press(mine, phoneRow.getByRole('button', { name: /^End session/ }));
    const left = await sessionRows(mine);
    assert.equal(left.length, 1, left.join('\n'));
    assert.match(left[0] ?? '', /This browser/);
    assert.doesNotMatch(visible(await mine.content()), /End all other sessions/, 'no other session is left to end');

    // Gateway B may serve the record it read for at most 2 seconds (its clock is the test's).
    world.a.clock.advance(CACHE_MS);
    assert.equal(await dashboardPath(phone), '/login', 'the phone is signed out on the other gateway');
    assert.equal(await dashboardPath(mine), '/dashboard', 'this browser is not');
    assert.match(world.a.logText(), /"event":"session\.revoked","user":"alice","by":"user"[^\n]*"sessions":1/);
  },
);

test(
  '"End all other sessions" signs out every other browser, on both gateways',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const world = await startWorld(t);
    const mine = await world.open(world.a);
    const others = [await world.open(world.b, PHONE_AGENT), await world.open(world.a)];
    await signIn(world, mine);
    for (const other of others) await signIn(world, other);

    await openSessionsPage(mine);
    assert.equal((await sessionRows(mine)).length, 3);
    await press(mine, mine.getByRole('button', { name: 'End all other sessions' }));
    const left = await sessionRows(mine);
    assert.deepEqual(
      left.map((row) => row.includes('This browser')),
      [true],
    );

    world.a.clock.advance(CACHE_MS);
    for (const other of others) assert.equal(await dashboardPath(other), '/login');
    assert.equal(await dashboardPath(mine), '/dashboard');
    assert.match(world.a.logText(), /"event":"session\.revoked","user":"alice","by":"user"[^\n]*"sessions":2/);
  },
);

test(
  'a browser no longer trusted owes the code again at its next login on the other gateway',
  { timeout: JOURNEY_TIMEOUT_MS },
  async (t) => {
    const world = await startWorld(t);
    const mine = await world.open(world.a);
    const phone = await world.open(world.b, PHONE_AGENT);
    await signIn(world, mine);
    await signIn(world, phone, { trust: true });

    // Trusted: signed out and in again on its gateway, the phone skips the code.
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.waitForURL((url) => url.pathname === '/login');
    assert.equal(await signInWithAppForm(phone, ADMIN.user, ADMIN.password), '/dashboard');

    await openSessionsPage(mine);
    const trusted = visible(await mine.locator('#trusted').innerHTML());
    assert.match(trusted, /^Safari on iOS/);
    assert.match(trusted, /trusted .*, last used /);
    await press(mine, mine.locator('#trusted li', { hasText: 'Safari on iOS' }).getByRole('button'));
    assert.match(visible(await mine.content()), /No browser is trusted to skip the second step\./);
    assert.match(world.a.logText(), /"event":"trusted_browser\.revoked","user":"alice","by":"user"/);

    // Its session is not ended by that, but its next login is no longer trusted.
    await phone.getByRole('button', { name: 'Sign out' }).click();
    await phone.waitForURL((url) => url.pathname === '/login');
    assert.equal(await signInWithAppForm(phone, ADMIN.user, ADMIN.password), '/_gateway/step-up');
  },
);
