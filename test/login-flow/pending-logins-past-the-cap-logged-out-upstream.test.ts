// Issue 13: a pending login (password accepted, second step owed) that ends without becoming a
// session has its app session logged out at the app, however it ends. Before, one ended by
// session.max_pending_per_user was only dropped: someone who knows a password could log in past
// the cap again and again and leave app sessions that nobody ever ends. Here the cap is 2: each
// login past it ends the oldest, audits step_up.evicted and logs the app out of that session
// (the app's own logout route, as configured); the newest two stay usable. A new login in the
// browser of a pending login, wrong answers and a change of the user's role end theirs the same
// way (expiry: see expired-pending-login-logged-out-upstream.test.ts). The app is the real demo
// app, asked directly whether each session still works.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ROLE_CACHE_MS, roleKey } from '../../src/access/roles.js';
import {
  ADMIN,
  type Answer,
  APP_SESSION_COOKIE,
  type Browser,
  type LoginHarness,
  startLoginHarness,
} from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

interface Login {
  browser: Browser;
  /** The app session the login started, which the gateway holds back. */
  sid: string;
}

let gateway: LoginHarness;
let secret: string;

before(async () => {
  // Loopback is a trusted proxy so that a test can speak for a client elsewhere.
  gateway = await startLoginHarness({
    overrides: { session: { max_pending_per_user: 2 }, trusted_proxies: ['127.0.0.1'] },
  });
  secret = (await gateway.enrollAdmin()).secret;
});
after(async () => {
  await gateway?.close();
});

const audited = (event: string) => (gateway.logText().match(new RegExp(`"event":"${event}"`, 'g')) ?? []).length;
const sessionOf = (line: string | undefined) => new RegExp(`${APP_SESSION_COOKIE}=([0-9a-f]+)`).exec(String(line))?.[1];

test('logins past the cap log the app out of the pending logins they end', async () => {
  const from = gateway.received.length;
  const logins: Login[] = [];
  for (let i = 0; i < 4; i++) {
    const browser = gateway.browser();
    assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
    logins.push({ browser, sid: gateway.lastConfirmedSession() });
    // Oldest first by the clock, as the cap reads them.
    gateway.clock.advance(1_000);
  }
  const [first, second, third, fourth] = logins as [Login, Login, Login, Login];
  for (const { sid } of [first, second]) {
    await waitFor(
      `the evicted app session ${sid.slice(0, 6)} to end`,
      async () => !(await gateway.appSessionWorks(sid)),
    );
  }
  await waitFor('two eviction audit lines', () => audited('step_up\\.evicted') >= 2);
  const logouts = gateway.received.slice(from).filter((r) => r.method === 'POST' && r.url === '/logout');
  assert.deepEqual(
    logouts.map((r) => sessionOf(r.headers.cookie as string)).sort(),
    [first.sid, second.sid].sort(),
    'one logout for each evicted pending login, with its own session',
  );
  assert.match(gateway.logText(), /"event":"step_up\.evicted"[^\n]*"user":"alice"/);

  for (const { sid } of [third, fourth]) assert.equal(await gateway.appSessionWorks(sid), true);
  assert.equal((await first.browser.get('/_gateway/step-up')).status, 401, 'an evicted pending login is over');
  const passed = await fourth.browser.stepUp(gateway.code(secret));
  assert.equal(passed.location, '/dashboard', 'the newest pending logins are untouched');
  gateway.clock.advance(30_000);
});

test('a new login in the browser of a pending login logs the app out of the one it replaces', async () => {
  const browser = gateway.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const replaced = gateway.lastConfirmedSession();
  const before = audited('step_up\\.abandoned');
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const current = gateway.lastConfirmedSession();
  assert.notEqual(current, replaced);
  await waitFor('the replaced app session to end', async () => !(await gateway.appSessionWorks(replaced)));
  assert.equal(audited('step_up\\.abandoned'), before + 1);
  assert.match(gateway.logText(), /"event":"step_up\.abandoned"[^\n]*"reason":"new login"/);
  assert.equal(await gateway.appSessionWorks(current), true, 'the new login is untouched');
});

test('a pending login ended by wrong answers logs the app out of its session, once, as from its client', async () => {
  const browser = gateway.browser();
  // The logout goes as from the client whose request ended the login, not as from loopback,
  // which an app may trust more.
  const client = { 'x-forwarded-for': '198.51.100.7' };
  assert.equal((await browser.login(ADMIN.user, ADMIN.password, { headers: client })).location, '/_gateway/step-up');
  const sid = gateway.lastConfirmedSession();
  const before = audited('step_up\\.abandoned');
  const from = gateway.received.length;
  const wrong = String((Number(gateway.code(secret)) + 500_000) % 1_000_000).padStart(6, '0');
  const csrf = await browser.gatewayCsrf('/_gateway/step-up');
  // limits.pending_attempts (5) wrong codes end it; a few more would find it over.
  const answers: Answer[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    answers.push(await browser.post('/_gateway/step-up', { csrf_token: csrf, code: wrong }, client));
  }
  assert.match(answers.at(-1)?.text ?? '', /sign in again/i);
  await waitFor('the app session to end', async () => !(await gateway.appSessionWorks(sid)));
  assert.equal(audited('step_up\\.abandoned'), before + 1);
  const logouts = gateway.received.slice(from).filter((r) => r.method === 'POST' && r.url === '/logout');
  assert.deepEqual(
    logouts.map((r) => sessionOf(r.headers.cookie as string)),
    [sid],
  );
  assert.match(String(logouts[0]?.headers['x-forwarded-for']), /^198\.51\.100\.7\b/);
});

test("a pending login whose user's role changed logs the app out of its session", async () => {
  const store = gateway.gateway.login?.store;
  assert.ok(store);
  // Carol is staff in gateway.yaml; made an admin in the store, she owes an enrollment.
  await store.set(roleKey('carol'), 'admin');
  const browser = gateway.browser();
  assert.equal((await browser.login('carol', 'carol-password')).location, '/_gateway/enroll');
  const sid = gateway.lastConfirmedSession();
  await store.delete(roleKey('carol'));
  gateway.clock.advance(ROLE_CACHE_MS);
  assert.equal((await browser.get('/_gateway/enroll')).status, 401, 'the login of the old role is over');
  await waitFor('the app session to end', async () => !(await gateway.appSessionWorks(sid)));
  assert.match(gateway.logText(), /"event":"step_up\.abandoned"[^\n]*"user":"carol"[^\n]*"reason":"role changed"/);
});
