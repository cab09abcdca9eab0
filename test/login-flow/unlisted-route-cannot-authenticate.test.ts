// S0 as the backstop for what the gateway cannot know about the app: a route that is not a
// configured login route but signs the visitor in (a "magic link" on the naive app). Off the
// public paths it never reaches the app; on them, the session it mints goes into the
// anonymous vault, and private paths still refuse the visitor.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { APP_SESSION_COOKIE, type AppFront, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
/** The app session ids the magic route signed in. */
const minted: string[] = [];

/** GET /magic?user=NAME (and the same under /public/) signs the visitor in as NAME, no password. */
const magic: AppFront = (req, res, app) => {
  const url = new URL(req.url ?? '/', 'http://app.internal');
  if (url.pathname !== '/magic' && url.pathname !== '/public/magic') return false;
  const { sessions } = app.services;
  const session = sessions.logIn(sessions.ensure(req, res), url.searchParams.get('user') ?? 'alice', res);
  minted.push(session.id);
  res.writeHead(302, { location: '/dashboard' });
  res.end();
  return true;
};

before(async () => {
  harness = await startLoginHarness({ naiveApp: true, front: magic });
});
after(() => harness.close());

test('an unlisted private route never reaches the app', async () => {
  const browser = harness.browser();
  const answer = await browser.get('/magic?user=alice');
  assert.equal(answer.status, 303);
  assert.match(answer.location ?? '', /^\/login\?next=/);
  assert.equal(harness.receivedAt('/magic').length, 0);
  assert.equal(minted.length, 0);
});

test('a public route that signs the visitor in gives them no session', async () => {
  const browser = harness.browser();
  await browser.get('/login');
  const answer = await browser.get('/public/magic?user=alice');
  assert.equal(answer.status, 302);
  const [sid] = minted;
  assert.ok(sid);
  assert.equal(await harness.appSessionWorks(sid), true, 'the app did sign this session in');
  assert.ok(!answer.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)));
  assert.ok(browser.cookies.has('gw_session_anon'), 'the minted cookie went to the anonymous vault');
  assert.equal(browser.cookies.has('gw_session'), false);

  const before = harness.received.length;
  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.status, 303);
  assert.equal(dashboard.location, '/login?next=%2Fdashboard');
  assert.equal((await browser.getJson('/api/me')).status, 401);
  assert.equal((await browser.getJson('/api/invoices')).status, 401);
  assert.equal((await browser.get('/invoices/1/download')).status, 303);
  assert.equal(harness.received.length, before, 'no private request reached the app');
});
