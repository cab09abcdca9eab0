// S15: colleagues behind one address whose logins are being checked at the same moment never
// lock that address: only users who failed from it count towards its lock. Past address_users
// users being checked (or failed) at once, one more is put off a moment (503, try again), with
// nothing forwarded, nothing counted and no lock; once a colleague's login is through, they are
// checked. The app's answer to one login is held, so "at the same moment" needs no timing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;
const OFFICE = { 'x-forwarded-for': '192.0.2.80' };
/** Armed by the test: the next login the app receives waits for the returned resume(). */
let holdNextLogin: ((resume: () => void) => void) | undefined;

before(async () => {
  harness = await startLoginHarness({
    overrides: { trusted_proxies: ['127.0.0.1'], limits: { password: { address_users: 2 } } },
    front: (req, res, app) => {
      if (req.method !== 'POST' || req.url !== '/login' || !holdNextLogin) return false;
      const hold = holdNextLogin;
      holdNextLogin = undefined;
      // Emitted again once resumed, the request reaches the app's router (its body still unread).
      hold(() => app.server.emit('request', req, res));
      return true;
    },
  });
});
after(() => harness.close());

const loginPosts = () => harness.received.filter((r) => r.method === 'POST' && r.url === '/login').length;

test('a login past the users being checked at once is put off a moment, and the address is never locked', async () => {
  // One typo from the office (a user who failed), and bob's login being checked at the app.
  const typo = await harness.browser().login('carol', 'wrong', { headers: OFFICE });
  assert.match(typo.text, /Invalid username or password/);
  let resume: () => void = () => {};
  const held = new Promise<void>((reached) => {
    holdNextLogin = (go) => {
      resume = go;
      reached();
    };
  });
  const bob = harness.browser().login(STAFF.user, STAFF.password, { headers: OFFICE });
  await held;

  const posts = loginPosts();
  const putOff = await harness.browser().login(ADMIN.user, ADMIN.password, { headers: OFFICE });
  assert.equal(putOff.status, 503);
  assert.match(putOff.text, /try again in a moment/);
  assert.equal(loginPosts(), posts, 'not forwarded');
  assert.match(harness.logText(), /"event":"lockout\.busy".*"user":"alice".*"layer":"password"/);

  resume();
  assert.equal((await bob).location, '/dashboard');
  const again = await harness.browser().login(ADMIN.user, ADMIN.password, { headers: OFFICE });
  assert.notEqual(again.status, 503);
  assert.notEqual(again.status, 429);
  assert.equal(loginPosts(), posts + 2, 'bob and then alice reached the app');
  assert.doesNotMatch(harness.logText(), /"event":"lockout\.started"/, 'no lock of any kind');
});
