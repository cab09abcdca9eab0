// Issue 12: a pending login (password accepted, second step owed) whose time runs out is logged
// out at the app, as one killed by wrong answers is: the app session it started, which nobody
// ever held, ends. Two gateways share one real Redis and sweep at once: each expired pending
// login is claimed, audited (step_up.expired) and logged out exactly once. The clock is the
// test's: expiry is a clock move, not a wait.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { compileConfig } from '../../src/config/runtime.js';
import { sweepExpiredPending } from '../../src/intercept/pending-expiry.js';
import type { LoginServices } from '../../src/session/services.js';
import { ADMIN, APP_SESSION_COOKIE, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';

const PENDING_MS = 5 * 60_000;
let redis: RedisServer;
const gateways: LoginHarness[] = [];

before(async () => {
  redis = await startRedisServer();
});
after(async () => {
  for (const gateway of gateways.reverse()) await gateway.close();
  await redis?.stop();
});

const count = (harnesses: LoginHarness[], pattern: RegExp) =>
  harnesses.reduce((n, h) => n + (h.logText().match(pattern) ?? []).length, 0);

test('expired pending logins are logged out upstream once each, whichever gateway sweeps', async () => {
  const overrides = { store: { type: 'redis', url: redis.url, prefix: `expiry:${randomUUID()}:` } };
  const a = await startLoginHarness({ overrides });
  gateways.push(a);
  const b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  gateways.push(b);
  await a.enrollAdmin();

  // Three logins waiting for their code, through either gateway; the app session each started is
  // the one the gateway confirmed the user with (GET /api/me, login.identity).
  const sids: string[] = [];
  for (const gateway of [a, b, a]) {
    const browser = gateway.browser();
    assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
    const sid = a.lastConfirmedSession();
    assert.equal(await a.appSessionWorks(sid), true, 'the app session is live while the code is owed');
    sids.push(sid);
  }
  assert.equal(new Set(sids).size, 3);
  const from = a.received.length;

  // Not yet expired: a sweep (run here at once, beside the gateways' own) leaves them be.
  a.clock.advance(PENDING_MS - 1_000);
  assert.equal(await sweepExpiredPending(a.gateway.login as LoginServices, compileConfig(a.config)), 0);
  assert.equal(count([a, b], /"event":"step_up\.expired"/g), 0);
  for (const sid of sids) assert.equal(await a.appSessionWorks(sid), true);

  a.clock.advance(2_000);
  for (const sid of sids) {
    await waitFor(`the app session ${sid.slice(0, 6)} to end`, async () => !(await a.appSessionWorks(sid)));
  }
  await waitFor('three audit lines', () => count([a, b], /"event":"step_up\.expired"/g) >= 3);
  const logouts = a.received.slice(from).filter((r) => r.method === 'POST' && r.url === '/logout');
  assert.deepEqual(
    logouts.map((r) => new RegExp(`${APP_SESSION_COOKIE}=([0-9a-f]+)`).exec(String(r.headers.cookie))?.[1]).sort(),
    [...sids].sort(),
    'one logout per pending login, with its own session',
  );
  assert.equal(count([a, b], /"event":"step_up\.expired"/g), 3, 'each audited once');
  assert.match(a.logText() + b.logText(), /"event":"step_up\.expired"[^\n]*"user":"alice"/);
});
