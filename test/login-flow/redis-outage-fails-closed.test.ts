// S11 with the Redis store: while Redis cannot be reached no login gets through (the 503
// STORE_UNAVAILABLE page, and the password never reaches the app, so no layer is skipped),
// and an open session is served from a gateway's record cache for at most 2 seconds, then gets
// the 503 too. Once Redis answers again, everything works again: after a freeze the sessions
// made before it are still good; after a restart that lost the data they are not, and the
// admin owes enrollment again rather than getting in without it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  type Answer,
  type Browser,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

let redis: RedisServer;
let a: LoginHarness;
let b: LoginHarness;

before(async () => {
  redis = await startRedisServer();
  const overrides = {
    // Short, so that each refused request is quick; the behaviour does not depend on it.
    store: { type: 'redis', url: redis.url, prefix: `outage:${randomUUID()}:`, command_timeout: '300ms' },
  };
  a = await startLoginHarness({ overrides });
  b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  await a.enrollAdmin();
});
after(async () => {
  redis?.resume();
  await b?.close();
  await a?.close();
  await redis?.stop();
});

function on(gateway: LoginHarness, browser: Browser): Browser {
  const moved = gateway.browser();
  for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
  return moved;
}

const loginPosts = () => a.received.filter((r) => r.method === 'POST' && r.url === '/login').length;

function assertStoreUnavailable(answer: Answer, what: string): void {
  assert.equal(answer.status, 503, what);
  assert.match(answer.text, /Sign-in unavailable/, what);
  assert.ok(!answer.setCookies.some((line) => /^gw_session=[^;]/.test(line)), `${what}: no session issued`);
}

/** Bob signed in on A, his session used on both gateways (so both hold it in their caches). */
async function openSession(): Promise<Browser[]> {
  const browser = a.browser();
  assert.equal((await browser.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const both = [browser, on(b, browser)];
  for (const each of both) assert.equal((await each.get('/dashboard')).status, 200);
  return both;
}

/** Login forms loaded while Redis answers (the login page needs the store too), posted during the outage. */
async function loginForms(): Promise<Array<() => Promise<Answer>>> {
  const forms: Array<() => Promise<Answer>> = [];
  for (const [gateway, user] of [
    [a, ADMIN],
    [b, STAFF],
  ] as const) {
    const browser = gateway.browser();
    const { csrf } = await browser.loginPage();
    forms.push(() => browser.post('/login', { csrf_token: csrf, username: user.user, password: user.password }));
  }
  return forms;
}

/** Everything that needs the store gets the 503, and nothing of a login reaches the app. */
async function assertFailsClosed(sessions: Browser[], forms: Array<() => Promise<Answer>>): Promise<void> {
  const posted = loginPosts();
  for (const post of forms) assertStoreUnavailable(await post(), 'a login');
  assert.equal(loginPosts(), posted, 'no password was forwarded to the app');
  // Within 2 s a gateway may still serve a session from its cache; past them it must ask Redis.
  a.clock.advance(2_001);
  const dashboards = a.receivedAt('/dashboard').length;
  for (const session of sessions) assertStoreUnavailable(await session.get('/dashboard'), session.baseUrl);
  assert.equal(a.receivedAt('/dashboard').length, dashboards, 'no request was forwarded');
}

async function loginWorks(): Promise<boolean> {
  try {
    return (await a.browser().login(STAFF.user, STAFF.password)).location === '/dashboard';
  } catch {
    // The login page itself answered 503: not yet.
    return false;
  }
}

test('Redis frozen: logins and sessions fail closed; afterwards the session made before works again', async () => {
  const sessions = await openSession();
  const forms = await loginForms();
  redis.pause();
  try {
    await assertFailsClosed(sessions, forms);
  } finally {
    redis.resume();
  }
  for (const session of sessions) {
    await waitFor(`${session.baseUrl} to serve the session again`, async () => {
      return (await session.get('/dashboard')).status === 200;
    });
  }
  await waitFor('a new login to work again', loginWorks);
});

test('Redis stopped: logins and sessions fail closed; restarted empty, logins work and nothing is skipped', async () => {
  const sessions = await openSession();
  const forms = await loginForms();
  await redis.stop();
  await assertFailsClosed(sessions, forms);

  await redis.restart();
  await waitFor('a new login to work again', loginWorks);
  // The restarted Redis lost every record: old sessions are no sessions, and the admin, whose
  // enrollment went with them, is taken to enrollment, not let through.
  for (const session of sessions) assert.equal((await session.get('/dashboard')).status, 303);
  assert.equal((await a.browser().login(ADMIN.user, ADMIN.password)).location, '/_gateway/enroll');
});
