// Issue 7: two gateways sharing one real redis-server behave as one. A session or a pending
// login made on one is good on the other; a TOTP step used on one is spent on the other; a
// lockout on one holds on the other; a revocation by the operator CLI (a third process) holds
// on both once their 2-second record caches lapse. Both gateways front one demo app and read
// one clock, with their own store connections and caches, as two processes would.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { ADMIN, type Browser, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
let a: LoginHarness;
let b: LoginHarness;
let store: Record<string, unknown>;
let secret: string;
let carolSecret: string;

before(async () => {
  redis = await startRedisServer();
  store = { type: 'redis', url: redis.url, prefix: `multi:${randomUUID()}:` };
  const overrides = {
    store,
    // Client addresses come through X-Forwarded-For, so that an address lockout stays in its test.
    trusted_proxies: ['127.0.0.1'],
    limits: { second_step: { failures: 3, user_failures: 3 } },
  };
  a = await startLoginHarness({ overrides });
  // The same app, clock and data folder (so the same keys), its own gateway and Redis connection.
  b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  secret = (await a.enrollAdmin()).secret;
  const carol = a.browser();
  await carol.login('carol', 'carol-password');
  carolSecret = (await carol.enroll('/_gateway/account/enroll')).secret;
  a.clock.advance(30_000);
});
after(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
});

/** The same person's browser, now talking to the other gateway (its cookies copied over). */
function on(gateway: LoginHarness, browser: Browser): Browser {
  const moved = gateway.browser();
  for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
  return moved;
}

const from = (address: string) => ({ 'x-forwarded-for': address });

test('a session made on A works on B', async () => {
  const browser = a.browser();
  assert.equal((await browser.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const dashboard = await on(b, browser).get('/dashboard');
  assert.equal(dashboard.status, 200);
  assert.match(dashboard.text, /bob/);
});

test('a pending login made on A is completed on B', async () => {
  const browser = a.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  const onB = on(b, browser);
  assert.equal((await onB.stepUp(a.code(secret))).location, '/dashboard');
  assert.equal((await on(a, onB).get('/dashboard')).status, 200, 'and the session works back on A');
  a.clock.advance(30_000);
});

test('a TOTP step used on A is refused on B', async () => {
  const [onA, onB] = [a.browser(), b.browser()];
  for (const browser of [onA, onB]) {
    assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  }
  const code = a.code(secret);
  assert.equal((await onA.stepUp(code)).location, '/dashboard');
  const replay = await onB.stepUp(code);
  assert.equal(replay.status, 401);
  assert.match(replay.text, /That code was already used\. Please wait for the next code/);
  a.clock.advance(30_000);
});

test('a lockout on A holds on B, before the password reaches the app', async () => {
  const right = a.code(carolSecret);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
  for (let attempt = 1; attempt <= 3; attempt++) {
    const browser = a.browser();
    await browser.login('carol', 'carol-password', { headers: from('203.0.113.1') });
    const csrf = await browser.gatewayCsrf('/_gateway/step-up');
    const answer = await browser.request('POST', '/_gateway/step-up', {
      form: { csrf_token: csrf, code: wrong },
      headers: from('203.0.113.1'),
    });
    assert.equal(answer.status, 401, `wrong code ${attempt}`);
  }
  const posted = a.received.filter((r) => r.method === 'POST' && r.url === '/login').length;
  // Another address, so that it is the user's lockout (kept in Redis) that refuses.
  const locked = await b.browser().login('carol', 'carol-password', { headers: from('198.51.100.2') });
  assert.equal(locked.status, 429);
  assert.equal(a.received.filter((r) => r.method === 'POST' && r.url === '/login').length, posted);
});

test('a revocation through the CLI holds on both gateways within the 2-second cache', async () => {
  const first = a.browser();
  assert.equal((await first.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const second = b.browser();
  assert.equal((await second.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const everywhere = [a, b].flatMap((gateway) => [on(gateway, first), on(gateway, second)]);
  // Each gateway now holds both sessions in its cache.
  for (const browser of everywhere) assert.equal((await browser.get('/dashboard')).status, 200);

  const config = await writeCliConfig(a, { store });
  const revoked = await runCli(['sessions', 'revoke', 'bob', '--config', config]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /^revoked \d+ sessions of bob;/);

  a.clock.advance(2_001);
  for (const browser of everywhere) {
    const answer = await browser.get('/dashboard');
    assert.equal(answer.status, 303, `${browser.baseUrl} still serves a revoked session`);
    assert.match(answer.location ?? '', /^\/login/);
  }
});
