// S1: every spelling of the login route that the upstream accepts is the login route to the
// gateway too. In front of an app whose router is lenient (case, repeated and trailing
// slashes, ";params", percent-encoding), an admin's login in any spelling is withheld (S2)
// and a staff login in any spelling gets a gateway session rather than the app's cookie.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  APP_SESSION_COOKIE,
  type AppFront,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';

let harness: LoginHarness;

/** Routes every spelling of a path as its plain form, as many frameworks do. */
const lenient: AppFront = (req) => {
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const segments = path
    .split('/')
    .map((segment) => decodeURIComponent(segment.split(';')[0] as string).toLowerCase())
    .filter(Boolean);
  req.url = `/${segments.join('/')}${queryAt === -1 ? '' : url.slice(queryAt)}`;
  return false;
};

before(async () => {
  harness = await startLoginHarness({ front: lenient });
});
after(() => harness.close());

const SPELLINGS = ['/login', '/login/', '/LOGIN', '/Login/', '//login', '/login;x', '/%6Cogin', '/%4C%4F%47%49%4E'];

test('an admin login is withheld in every spelling', async () => {
  for (const path of SPELLINGS) {
    const browser = harness.browser();
    const posts = () => harness.received.filter((r) => r.method === 'POST' && r.url === path).length;
    const asked = posts();
    const answer = await browser.login(ADMIN.user, ADMIN.password, { path });
    assert.equal(posts(), asked + 1, `${path}: the app took the login`);
    assert.equal(answer.status, 303, path);
    assert.equal(answer.location, '/_gateway/enroll', path);
    assert.ok(!answer.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)), path);
    assert.equal((await browser.get('/dashboard')).location, '/_gateway/step-up', path);
  }
});

test('a staff login gets a gateway session, not the app cookie, in every spelling', async () => {
  for (const path of SPELLINGS) {
    const browser = harness.browser();
    const answer = await browser.login(STAFF.user, STAFF.password, { path });
    assert.equal(answer.status, 302, path);
    assert.ok(browser.cookies.get('gw_session')?.startsWith('s'), path);
    assert.ok(!answer.setCookies.some((line) => line.startsWith(`${APP_SESSION_COOKIE}=`)), path);
    assert.equal((await browser.get('/dashboard')).status, 200, path);
  }
});

test('the JSON login route is intercepted in other spellings too', async () => {
  for (const path of ['/API/login', '/api//login/', '/api/%6Cogin']) {
    const browser = harness.browser();
    const token = await browser.apiCsrf();
    const answer = await browser.request('POST', path, {
      json: { username: ADMIN.user, password: ADMIN.password },
      headers: { accept: 'application/json', 'x-csrf-token': token },
    });
    assert.equal(answer.status, 401, path);
    assert.equal((JSON.parse(answer.text) as { error: string }).error, 'second_step_required', path);
  }
});
