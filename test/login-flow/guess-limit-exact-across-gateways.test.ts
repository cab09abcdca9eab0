// Issue 11, S5: with two gateways on one real Redis, wrong codes fired at once and split across
// both are checked no more often than the limit (each attempt is reserved with an atomic store
// count before its check): per pending login, and per user over several pending logins. Both
// gateways front one demo app and read one clock, with their own store connections.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ADMIN, type Browser, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
const gateways: LoginHarness[] = [];

after(async () => {
  for (const gateway of gateways.reverse()) await gateway.close();
  await redis?.stop();
});

before(async () => {
  redis = await startRedisServer();
});

/** Two gateways on one Redis (a fresh prefix), the admin enrolled. */
async function twoGateways(limits: Record<string, unknown>) {
  const overrides = { store: { type: 'redis', url: redis.url, prefix: `exact:${randomUUID()}:` }, limits };
  const a = await startLoginHarness({ overrides });
  gateways.push(a);
  const b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  gateways.push(b);
  const { secret } = await a.enrollAdmin();
  return { a, b, secret };
}

/** The same browser on the other gateway (its cookies copied over). */
function on(gateway: LoginHarness, browser: Browser): Browser {
  const moved = gateway.browser();
  for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
  return moved;
}

const checked = (...harnesses: LoginHarness[]) =>
  harnesses.reduce((n, h) => n + (h.logText().match(/"event":"step_up\.failed"/g) ?? []).length, 0);

async function pendingLogin(a: LoginHarness): Promise<{ browser: Browser; csrf: string }> {
  const browser = a.browser();
  assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  return { browser, csrf: await browser.gatewayCsrf('/_gateway/step-up') };
}

/** Wrong codes for these pending logins, all at once, every other one through gateway B. */
function fire(a: LoginHarness, b: LoginHarness, logins: Array<{ browser: Browser; csrf: string }>, perLogin: number) {
  const posts = logins.flatMap(({ browser, csrf }, l) =>
    Array.from({ length: perLogin }, (_, i) =>
      on(i % 2 === 0 ? a : b, browser).post('/_gateway/step-up', {
        csrf_token: csrf,
        code: String(100000 + l * 100 + i),
      }),
    ),
  );
  return Promise.all(posts);
}

test('30 wrong codes for one pending login across two gateways: at most pending_attempts checked', async () => {
  const { a, b } = await twoGateways({ pending_attempts: 5, second_step: { failures: 100, user_failures: 100 } });
  const before = checked(a, b);
  const answers = await fire(a, b, [await pendingLogin(a)], 30);
  assert.ok(checked(a, b) - before <= 5, `${checked(a, b) - before} codes were checked, the limit is 5`);
  assert.ok(answers.every((answer) => answer.status === 401 || answer.status === 429));
});

test("30 wrong codes over six pending logins across two gateways: at most the user's limit checked", async () => {
  const { a, b } = await twoGateways({ pending_attempts: 100, second_step: { failures: 5, user_failures: 5 } });
  const logins = [];
  for (let i = 0; i < 6; i++) logins.push(await pendingLogin(a));
  const before = checked(a, b);
  await fire(a, b, logins, 5);
  assert.ok(checked(a, b) - before <= 5, `${checked(a, b) - before} codes were checked, the limit is 5`);
});
