// Issue 15, part 2: "trust this browser for N days". After a passed second step the person may
// tick the box (only where policy.<role>.trusted_browser_days allows it); a later login of the
// same user in that browser skips the second step, on any gateway sharing the store, but never
// the password; the cookie is worth nothing for another user, tampered with, after the role's
// days, or once its record is revoked, which holds on the other gateway at its next login.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  type Answer,
  type Browser,
  formField,
  type LoginHarness,
  startLoginHarness,
} from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const STEP_MS = 30_000;
const DAY_MS = 24 * 60 * 60 * 1000;
const TRUST_COOKIE = 'gw_session_trust';

let redis: RedisServer;
let a: LoginHarness;
let b: LoginHarness;
let secret: string;

before(async () => {
  redis = await startRedisServer();
  const overrides = {
    store: { type: 'redis', url: redis.url, prefix: `trust:${randomUUID()}:` },
    policy: { admin: { second_step: 'required', trusted_browser_days: 30 } },
  };
  a = await startLoginHarness({ overrides });
  // The same app, clock and data folder (so the same keys), its own gateway and Redis connection.
  b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  secret = (await a.enrollAdmin()).secret;
  // Carol (role user, no trusted_browser_days) owes a step because she enrolled one.
  const carol = a.browser();
  await carol.login('carol', 'carol-password');
  await carol.enroll('/_gateway/account/enroll');
  a.clock.advance(STEP_MS);
});
after(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
});

/** The same browser on `gateway` another day: its session over, its trust cookie kept. */
function on(gateway: LoginHarness, browser: Browser): Browser {
  const moved = gateway.browser();
  const trust = browser.cookies.get(TRUST_COOKIE);
  if (trust !== undefined) moved.cookies.set(TRUST_COOKIE, trust);
  return moved;
}

/** Signs the admin in on `gateway` and passes the code step, ticking "trust this browser". */
async function trustedLogin(gateway: LoginHarness): Promise<Browser> {
  const browser = gateway.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const page = await browser.get('/_gateway/step-up');
  assert.match(page.text, /Trust this browser for 30 days/);
  const csrf = await browser.gatewayCsrf('/_gateway/step-up');
  const passed = await browser.post('/_gateway/step-up', {
    csrf_token: csrf,
    code: gateway.code(secret),
    trust_browser: 'yes',
  });
  gateway.clock.advance(STEP_MS);
  assert.equal(passed.location, '/dashboard');
  assert.ok(browser.cookies.has(TRUST_COOKIE), 'the trust cookie is set with the session');
  return browser;
}

const auditCount = (gateway: LoginHarness, event: string) =>
  gateway
    .logText()
    .split('\n')
    .filter((line) => line.includes(`"event":"${event}"`)).length;

const loginOf = (browser: Browser, password: string = ADMIN.password): Promise<Answer> =>
  browser.login(ADMIN.user, password);

test('a browser trusted on A skips the second step on B, never the password', async () => {
  const browser = await trustedLogin(a);
  assert.equal(auditCount(a, 'trusted_browser.issued'), 1);
  const onB = on(b, browser);
  assert.equal((await loginOf(onB)).location, '/dashboard');
  assert.equal(onB.cookies.has('gw_session'), true, 'a full session');
  assert.equal((await onB.get('/dashboard')).status, 200);
  assert.equal(auditCount(b, 'trusted_browser.used'), 1);
  assert.match(b.logText(), /"event":"login\.succeeded","user":"alice","role":"admin","second_step":"trusted_browser"/);

  const wrong = await loginOf(on(b, browser), 'not-the-password');
  assert.notEqual(wrong.location, '/dashboard');
  assert.equal(auditCount(b, 'trusted_browser.used'), 1, 'a wrong password never reaches the trust');
});

test('the trust cookie is worth nothing tampered with, for another user, or without the box ticked', async () => {
  const browser = await trustedLogin(a);
  const cookie = browser.cookies.get(TRUST_COOKIE) as string;

  const tampered = b.browser();
  // One character of the record's id changed: the signature no longer holds.
  tampered.cookies.set(TRUST_COOKIE, `t${cookie[1] === 'A' ? 'B' : 'A'}${cookie.slice(2)}`);
  assert.notEqual(tampered.cookies.get(TRUST_COOKIE), cookie);
  assert.equal((await loginOf(tampered)).location, '/_gateway/step-up');

  const used = auditCount(b, 'trusted_browser.used');
  const carol = b.browser();
  carol.cookies.set(TRUST_COOKIE, cookie);
  assert.equal((await carol.login('carol', 'carol-password')).location, '/_gateway/step-up');
  assert.equal(auditCount(b, 'trusted_browser.used'), used, "alice's trust is not carol's");

  const unticked = a.browser();
  await loginOf(unticked);
  assert.equal((await unticked.stepUp(a.code(secret))).location, '/dashboard');
  a.clock.advance(STEP_MS);
  assert.equal(unticked.cookies.has(TRUST_COOKIE), false);
});

test('a browser untrusted on the sessions page on A is refused on B at its next login', async () => {
  const browser = await trustedLogin(a);
  const page = await browser.get('/_gateway/account/sessions');
  assert.equal(page.status, 200);
  assert.match(page.text, /Trusted browsers/);
  const trusted = formField(page.text, 'trusted');
  assert.ok(trusted, 'the page lists the trusted browser with its form');
  const revoked = await browser.post('/_gateway/account/trusted/revoke', {
    csrf_token: await browser.gatewayCsrf('/_gateway/account/sessions'),
    trusted,
  });
  assert.equal(revoked.status, 200);
  assert.match(a.logText(), /"event":"trusted_browser\.revoked","user":"alice","by":"user"/);
  // No clock moved: the record is read at every use, so B sees the revocation at once.
  assert.equal((await loginOf(on(b, browser))).location, '/_gateway/step-up');
});

test('a reset of the second step ends the trust', async () => {
  const browser = await trustedLogin(a);
  await a.gateway.login!.trusted.revokeAll(ADMIN.user);
  assert.equal((await loginOf(on(b, browser))).location, '/_gateway/step-up');
});

test('the trust ends after the role days, counted from when it was given', async () => {
  const browser = await trustedLogin(a);
  a.clock.advance(29 * DAY_MS);
  assert.equal((await loginOf(on(b, browser))).location, '/dashboard', 'used on day 29');
  a.clock.advance(DAY_MS + 1);
  assert.equal((await loginOf(on(b, browser))).location, '/_gateway/step-up', 'a use does not extend it');
});

test('a role without trusted_browser_days is never offered the box', async () => {
  const again = a.browser();
  assert.equal((await again.login('carol', 'carol-password')).location, '/_gateway/step-up');
  assert.doesNotMatch((await again.get('/_gateway/step-up')).text, /Trust this browser/);
});
