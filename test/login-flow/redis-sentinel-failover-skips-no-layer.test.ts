// Issue 14: two gateways on a real Sentinel setup (1 master, 1 replica, 3 sentinels) while the
// master dies and the sentinels promote the replica, with traffic running throughout. During
// the switch no layer is skipped: a protected page is the app's only with bob's session (every
// page the app served is one the gateway answered 200 with his session), never without one; an
// admin's login always owes its second step; a login answers 503 (STORE_UNAVAILABLE), never
// 500. After the switch the sessions made before it are good on both gateways (the replica had
// them), the admin's enrollment is still there, and logins work again with no 503.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  type Answer,
  type Browser,
  formField,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';
import { type RedisSentinelSetup, startRedisSentinel } from '../helpers/redis-sentinel.js';
import { waitFor } from '../helpers/wait.js';

/** The switch and the gateways' reconnection, on a loaded machine: generous, and bounded. */
const SWITCH_DEADLINE_MS = 90_000;
/** A user without a second step, for the logins of the traffic (bob's own session stays one of few). */
const CAROL = { user: 'carol', password: 'carol-password' } as const;

let setup: RedisSentinelSetup;
let a: LoginHarness;
let b: LoginHarness;
let secret: string;

before(async () => {
  setup = await startRedisSentinel();
  const overrides = {
    // Short, so that a request during the switch is refused quickly; the behaviour does not depend on it.
    store: { type: 'redis', ...setup.settings, prefix: `failover:${randomUUID()}:`, command_timeout: '500ms' },
  };
  a = await startLoginHarness({ overrides });
  b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  secret = (await a.enrollAdmin()).secret;
});
after(async () => {
  await b?.close();
  await a?.close();
  await setup?.stop();
});

/** The same person's browser, now talking to the other gateway (its cookies copied over). */
function on(gateway: LoginHarness, browser: Browser): Browser {
  const moved = gateway.browser();
  for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
  return moved;
}

type Phase = 'before' | 'switch' | 'after';

interface Seen {
  readonly phase: Phase;
  readonly what: string;
  readonly status: number;
  readonly location: string | undefined;
}

/** A login through the app's form as a person makes it; the login page needs the store too, so it may be the answer. */
async function login(
  gateway: LoginHarness,
  user: { user: string; password: string },
  browser = gateway.browser(),
): Promise<Answer> {
  const page = await browser.get('/login');
  const csrf = formField(page.text, 'csrf_token');
  if (page.status !== 200 || csrf === undefined) return page;
  return browser.post('/login', { csrf_token: csrf, username: user.user, password: user.password });
}

/** A redirect to `path` (the app answers a login with 302, the gateway with 303). */
const redirectsTo = (answer: Pick<Answer, 'status' | 'location'>, path: string) =>
  answer.status >= 301 && answer.status <= 303 && answer.location === path;

test('a Sentinel failover while traffic runs: no layer skipped, 503 only during the switch, sessions survive', async () => {
  const bob = a.browser();
  assert.equal((await bob.login(STAFF.user, STAFF.password)).location, '/dashboard');
  const sessions = [bob, on(b, bob)];
  const anonymous = [a.browser(), b.browser()];
  const seen: Seen[] = [];
  let phase: Phase = 'before';
  let dashboardsServed = 0;

  /** One round on both gateways: bob's session, no session, a staff login, an admin login. */
  async function round(): Promise<void> {
    // Past the gateways' 2-second record caches: each session is read from Redis again.
    a.clock.advance(2_001);
    await Promise.all(
      [a, b].map(async (gateway, i) => {
        // An answer counts in the phase its request was sent in.
        const record = async (what: string, request: () => Promise<Answer>) => {
          const sentIn = phase;
          const answer = await request();
          seen.push({ phase: sentIn, what, status: answer.status, location: answer.location });
          return answer;
        };
        const session = await record('session', () => (sessions[i] as Browser).get('/dashboard'));
        if (session.status === 200) {
          dashboardsServed++;
          assert.match(session.text, /bob/, "the page served with a session is its user's");
        }
        await record('no session', () => (anonymous[i] as Browser).get('/dashboard'));
        await record('staff login', () => login(gateway, CAROL));
        await record('admin login', () => login(gateway, ADMIN));
      }),
    );
  }

  await round();
  await setup.replicaCaughtUp();
  let running = true;
  const traffic = (async () => {
    while (running) await round();
  })();
  try {
    phase = 'switch';
    await setup.killMaster();
    // The gateways find the new master on their own schedule (each connection asks the sentinels again).
    await waitFor(
      'logins to work again on both gateways',
      async () => redirectsTo(await login(a, CAROL), '/dashboard') && redirectsTo(await login(b, CAROL), '/dashboard'),
      SWITCH_DEADLINE_MS,
    );
    phase = 'after';
    // Two whole rounds after the switch.
    const rounds = seen.length;
    await waitFor('two rounds of traffic after the switch', () => seen.length >= rounds + 16, SWITCH_DEADLINE_MS);
  } finally {
    running = false;
    await traffic;
  }

  const failures: string[] = [];
  for (const answer of seen) {
    const line = `${answer.phase} ${answer.what}: ${answer.status} ${answer.location ?? ''}`;
    const unavailable = answer.status === 503;
    // 503 is the refusal of a store that cannot be reached; only the switch may see it.
    if (unavailable && answer.phase !== 'switch') failures.push(`${line} (a 503 outside the switch)`);
    if (answer.what === 'session' && answer.status !== 200 && !unavailable) failures.push(line);
    if (
      answer.what === 'no session' &&
      !(answer.status === 303 && /^\/login/.test(answer.location ?? '')) &&
      !unavailable
    )
      failures.push(`${line} (a protected page without a session)`);
    if (answer.what === 'staff login' && !redirectsTo(answer, '/dashboard') && !unavailable) failures.push(line);
    if (answer.what === 'admin login' && !redirectsTo(answer, '/_gateway/step-up') && !unavailable)
      failures.push(`${line} (an admin login that does not owe its second step)`);
  }
  assert.deepEqual(failures, [], 'every answer is the right one, or 503 during the switch');
  assert.ok(
    seen.some((answer) => answer.phase === 'switch'),
    'traffic ran during the switch',
  );
  assert.equal(
    a.receivedAt('/dashboard').length,
    dashboardsServed,
    'the app served /dashboard only for the pages the gateway answered 200 with a session',
  );

  // After the switch: the sessions from before it, the admin's enrollment, and logins.
  a.clock.advance(2_001);
  for (const session of sessions) assert.equal((await session.get('/dashboard')).status, 200, session.baseUrl);
  for (const gateway of [a, b]) {
    assert.ok(redirectsTo(await login(gateway, CAROL), '/dashboard'), `${gateway.gatewayUrl}: a staff login works`);
    const admin = gateway.browser();
    const owes = await login(gateway, ADMIN, admin);
    assert.ok(
      redirectsTo(owes, '/_gateway/step-up'),
      `${gateway.gatewayUrl}: the admin still owes TOTP, not a new enrollment`,
    );
    assert.equal((await admin.stepUp(gateway.code(secret))).location, '/dashboard');
    a.clock.advance(30_000);
  }
});
