// A session carries the role and the second step of its login. A change of role (set-role in
// the store, an edit of gateway.yaml) ends the user's sessions at their next request, within
// the role cache's couple of seconds, so a demoted admin neither keeps the admin pages nor
// escapes a staff allowlist. The admin pages need a second step passed at the login itself:
// a factor enrolled later in a password-only session is not enough, and only a session that
// may use them shows the link to them on its account page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ROLE_CACHE_MS, roleKey } from '../../src/access/roles.js';
import { ADMIN, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';

const ADMIN_PAGE = '/_gateway/admin/allowlists';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness({ liveConfig: true });
});
after(() => harness?.close());

function loggedOut(reason: string): boolean {
  return harness
    .logText()
    .split('\n')
    .some((line) => line.includes('"event":"session.logout"') && line.includes(`"reason":"${reason}"`));
}

test('a role set in the store ends the sessions of the role before it, within the role cache', async () => {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  assert.equal((await browser.get('/dashboard')).status, 200);
  const store = harness.gateway.login?.store;
  assert.ok(store);
  await store.set(roleKey(STAFF.user), 'user');
  try {
    harness.clock.advance(ROLE_CACHE_MS);
    const after = await browser.get('/dashboard');
    assert.equal(after.status, 303);
    assert.match(after.location ?? '', /^\/login/);
    assert.ok(loggedOut('role changed'));
  } finally {
    await store.delete(roleKey(STAFF.user));
    harness.clock.advance(ROLE_CACHE_MS);
  }
});

test('a login just after a role change keeps its session (a cached old role is read again before it counts)', async () => {
  const earlier = harness.browser();
  await earlier.login(STAFF.user, STAFF.password);
  assert.equal((await earlier.get('/dashboard')).status, 200, 'the gateway now holds the role staff for bob');
  const store = harness.gateway.login?.store;
  assert.ok(store);
  await store.set(roleKey(STAFF.user), 'user');
  try {
    const now = harness.browser();
    await now.login(STAFF.user, STAFF.password);
    assert.equal((await now.get('/dashboard')).status, 200, 'the new login carries the new role');
    assert.equal((await earlier.get('/dashboard')).status, 303, 'the session of the old role ends');
  } finally {
    await store.delete(roleKey(STAFF.user));
    harness.clock.advance(ROLE_CACHE_MS);
  }
});

test('an admin removed from users.admins in gateway.yaml loses the session and the admin page at once', async () => {
  const { browser } = await harness.enrollAdmin();
  assert.equal((await browser.get(ADMIN_PAGE)).status, 200);
  await harness.editConfig({ users: { admins: [], roles: { alice: 'staff', bob: 'staff', carol: 'staff' } } });
  try {
    const page = await browser.get(ADMIN_PAGE);
    assert.notEqual(page.status, 200);
    assert.equal((await browser.get('/dashboard')).status, 303);
  } finally {
    await harness.editConfig({ users: { admins: ['alice'], roles: { bob: 'staff', carol: 'staff' } } });
  }
});

test('the admin page needs a second step passed at login, not a factor enrolled after a password-only login', async () => {
  const lax = await startLoginHarness({ overrides: { policy: { admin: { second_step: 'optional' } } } });
  try {
    const browser = lax.browser();
    assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/dashboard', 'a password was enough');
    const { secret } = await browser.enroll('/_gateway/account/enroll');
    assert.equal((await browser.get(ADMIN_PAGE)).status, 403, 'enrolled now, but this login passed no second step');
    assert.doesNotMatch((await browser.get('/_gateway/account')).text, /\/_gateway\/admin\//, 'no console link');

    lax.clock.advance(30_000);
    const again = lax.browser();
    assert.match((await again.login(ADMIN.user, ADMIN.password)).location ?? '', /\/_gateway\/step-up$/);
    assert.equal((await again.stepUp(lax.code(secret))).status, 302);
    assert.equal((await again.get(ADMIN_PAGE)).status, 200);
    assert.match((await again.get('/_gateway/account')).text, /href="\/_gateway\/admin\/users"/, 'the console link');
  } finally {
    await lax.close();
  }
});
