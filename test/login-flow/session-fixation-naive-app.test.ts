// S1 against session fixation, with the naive app that keeps its session id at sign-in. An
// attacker fetches the login page (getting a sealed anonymous cookie holding the app's
// pre-login session), plants that cookie in the victim's browser, and replays it after the
// victim signs in. The gateway recorded the values the login claimed, so the replay carries
// none of them upstream, and S0 refuses it every private page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  APP_SESSION_COOKIE,
  type Browser,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';

let harness: LoginHarness;
let secret: string;

before(async () => {
  harness = await startLoginHarness({ naiveApp: true });
  ({ secret } = await harness.enrollAdmin());
});
after(() => harness.close());

const sidIn = (cookie: unknown) => new RegExp(`${APP_SESSION_COOKIE}=([0-9a-f]+)`).exec(String(cookie))?.[1];

/** The app session the last login carried to the app (the one it signs in, for a naive app). */
const lastLoginSid = () =>
  sidIn(harness.received.filter((r) => r.method === 'POST' && r.url === '/login').at(-1)?.headers.cookie);

/** The attacker's pre-login cookie, planted in a fresh victim browser. */
async function plant(): Promise<{ attacker: Browser; victim: Browser }> {
  const attacker = harness.browser();
  await attacker.get('/login');
  assert.ok(attacker.cookies.has('gw_session_anon'));
  return { attacker, victim: attacker.clone() };
}

async function assertReplayGetsNothing(attacker: Browser, claimed: string): Promise<void> {
  const from = harness.received.length;
  const dashboard = await attacker.get('/dashboard');
  assert.equal(dashboard.status, 303);
  assert.equal(dashboard.location, '/login?next=%2Fdashboard');
  assert.equal((await attacker.getJson('/api/me')).status, 401);
  assert.equal((await attacker.getJson('/api/invoices')).status, 401);
  // Public paths reach the app, but without the claimed session: the app shows a login form.
  const page = await attacker.get('/login');
  assert.equal(page.status, 200, 'the app would redirect a signed-in session to /dashboard');
  assert.match(page.text, /name="password"/);
  await attacker.getJson('/api/csrf');
  const received = harness.received.slice(from);
  assert.ok(received.length > 0);
  for (const request of received) assert.notEqual(sidIn(request.headers.cookie), claimed, request.url);
}

test("a planted pre-login cookie replayed after a staff member's login gets nothing", async () => {
  const { attacker, victim } = await plant();
  const login = await victim.login(STAFF.user, STAFF.password);
  assert.equal(login.status, 302);
  const claimed = lastLoginSid();
  assert.ok(claimed, 'the victim logged in with the planted app session');
  // The fixation is real at the app: the planted id is now bob's session there.
  assert.equal(await harness.appSessionWorks(claimed), true);
  assert.equal((await victim.get('/dashboard')).status, 200);

  await assertReplayGetsNothing(attacker, claimed);
});

test("a planted pre-login cookie replayed during and after an admin's step-up gets nothing", async () => {
  harness.clock.advance(30_000);
  const { attacker, victim } = await plant();
  const login = await victim.login(ADMIN.user, ADMIN.password);
  assert.equal(login.location, '/_gateway/step-up');
  const claimed = lastLoginSid();
  assert.ok(claimed);
  await assertReplayGetsNothing(attacker, claimed);

  const passed = await victim.stepUp(harness.code(secret));
  assert.equal(passed.location, '/dashboard');
  assert.equal((await victim.get('/dashboard')).status, 200);
  await assertReplayGetsNothing(attacker, claimed);
});
