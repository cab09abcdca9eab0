// Issue 13: two gateways share a real Redis, and each keeps the session records it read for 2
// seconds. An app that rotates a cookie (Django at login, PHP's session_regenerate_id, Rails)
// does it on an answer through one gateway; the browser's next request, through the other, must
// carry the new cookie, not the other's cached old one (a stale session, a CSRF mismatch). The
// gateway re-issues its session cookie naming the vault's new generation, and a gateway whose
// cached record is older reads the store again. Both gateways read one test clock that never
// moves here: their caches never lapse by time, so only the generation can refresh them. The
// generation is inside the signed cookie: altered, it is no session; an older cookie gets what
// the record holds now, and once the session ends no generation keeps it alive.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type AppFront, type Browser, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

/** How long a gateway keeps a session record it read (src/session/records.ts), plus one ms. */
const SESSION_CACHE_MS = 2_001;
const TOKEN = 'app_token';

/** `/rotate?to=X` sets the app's token cookie to X (as a session id rotation would); `/token` shows the token it got. */
const front: AppFront = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://app.internal');
  if (url.pathname === '/rotate') {
    res.writeHead(200, { 'set-cookie': `${TOKEN}=${url.searchParams.get('to')}; Path=/; HttpOnly` });
    res.end('rotated');
    return true;
  }
  if (url.pathname === '/token') {
    res.end(new RegExp(`(?:^|; )${TOKEN}=([^;]*)`).exec(req.headers.cookie ?? '')?.[1] ?? 'none');
    return true;
  }
  return false;
};

let redis: RedisServer;
let a: LoginHarness;
let b: LoginHarness;
let browser: Browser;
let loginCookie: string;

before(async () => {
  redis = await startRedisServer();
  const overrides = { store: { type: 'redis', url: redis.url, prefix: `rotate:${randomUUID()}:` } };
  a = await startLoginHarness({ front, overrides });
  // The same app, clock and keys; its own Redis connection and session cache.
  b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  browser = a.browser();
  assert.equal((await browser.login(STAFF.user, STAFF.password)).location, '/dashboard');
  loginCookie = browser.cookies.get('gw_session') as string;
});
after(async () => {
  await b?.close();
  await a?.close();
  await redis?.stop();
});

const token = async (through: Browser) => {
  const answer = await through.get('/token');
  assert.equal(answer.status, 200);
  return answer.text;
};

test('a cookie the app rotates through one gateway is what the other forwards next', async () => {
  await browser.get('/rotate?to=one');
  // B reads the session now, and keeps it.
  assert.equal(await token(browser.via(b)), 'one');

  const rotated = await browser.get('/rotate?to=two');
  assert.equal(await token(browser.via(b)), 'two', 'B forwards the rotated cookie, not its cached one');
  await browser.via(b).get('/rotate?to=three');
  assert.equal(await token(browser), 'three', 'and the other way round');
  assert.equal(await token(browser.via(b)), 'three');

  const lines = rotated.setCookies;
  assert.ok(
    lines.some((line) => line.startsWith('gw_session=')),
    'the gateway cookie is re-issued with the vault',
  );
  assert.ok(!lines.some((line) => line.startsWith(`${TOKEN}=`)), 'the app cookie stays in the vault');
});

test('the generation is signed: altered, the cookie is no session; an older one gets what the record holds', async () => {
  const current = browser.cookies.get('gw_session') as string;
  const generation = /^s[^.:]+:(\d+)\./.exec(current)?.[1];
  assert.ok(generation, 'the cookie names a generation');
  const altered = browser.clone();
  altered.cookies.set('gw_session', current.replace(`:${generation}.`, `:${Number(generation) + 1}.`));
  for (const gateway of [a, b]) {
    const answer = await altered.via(gateway).get('/token');
    assert.equal(answer.status, 303, `${gateway.gatewayUrl}: no session`);
    assert.match(answer.location ?? '', /^\/login/);
  }

  const old = browser.clone();
  old.cookies.set('gw_session', loginCookie);
  for (const gateway of [a, b]) assert.equal(await token(old.via(gateway)), 'three', 'never an older vault');
});

test('once the session ends, no generation keeps it: within the cache window, as before', async () => {
  const latest = browser.clone();
  const old = browser.clone();
  old.cookies.set('gw_session', loginCookie);
  // The app's logout route: the gateway ends its session before the app answers (the CSRF token does not matter).
  await browser.post('/logout', { csrf_token: 'x' });
  assert.equal(browser.cookies.has('gw_session'), false);
  a.clock.advance(SESSION_CACHE_MS);
  for (const gateway of [a, b]) {
    for (const cookies of [latest, old]) {
      const answer = await cookies.via(gateway).get('/token');
      assert.equal(answer.status, 303, `${gateway.gatewayUrl}: the session is over`);
    }
  }
});
