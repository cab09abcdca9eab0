// The admin console over HTTP (issue 16): only an admin whose session passed a second step gets
// it (staff and a password-only admin: 403, nobody: the login page); an action without the
// session's CSRF token changes nothing (403); a destructive action without its confirmation
// only shows the confirmation page; a refused action says why on the user's page; every action
// is audited with the admin as author and joins the recent-audit trail, which filters by user,
// event and time.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ADMIN,
  type Browser,
  formField,
  type LoginHarness,
  STAFF,
  startLoginHarness,
} from '../helpers/login-harness.js';
import { visible } from '../helpers/page-text.js';
import { startRedisServer } from '../helpers/redis-server.js';

const PREFIX = '/_gateway';
const USERS = `${PREFIX}/admin/users`;
const USER = `${PREFIX}/admin/user`;
const AUDIT = `${PREFIX}/admin/audit`;

let harness: LoginHarness;
let admin: Browser;

before(async () => {
  harness = await startLoginHarness();
  ({ browser: admin } = await harness.enrollAdmin());
});
after(() => harness?.close());

/** A staff member signed in (no second step needed by the demo's policy). */
async function signedInStaff(): Promise<Browser> {
  const staff = harness.browser();
  assert.equal((await staff.login(STAFF.user, STAFF.password)).location, '/dashboard');
  return staff;
}

/** Posts an action on a user from the admin's session, with the CSRF token of the user's page. */
async function act(browser: Browser, user: string, action: string, fields: Record<string, string> = {}) {
  const csrf = await browser.gatewayCsrf(`${USER}?name=${user}`);
  return browser.post(USER, { csrf_token: csrf, user, action, ...fields });
}

test('nobody is sent to the login page; staff get 403 on every page and cannot act', async () => {
  const anonymous = harness.browser();
  const page = await anonymous.get(USERS);
  assert.equal(page.status, 303);
  assert.equal(page.location, '/login');

  const staff = await signedInStaff();
  for (const path of [USERS, `${USER}?name=bob`, AUDIT, `${PREFIX}/admin`]) {
    assert.equal((await staff.get(path)).status, 403, path);
  }
  // Even with a valid token of the staff member's own session (from the account page).
  const csrf = await staff.gatewayCsrf(`${PREFIX}/account`);
  const posted = await staff.post(USER, { csrf_token: csrf, user: ADMIN.user, action: 'end-sessions', confirm: 'yes' });
  assert.equal(posted.status, 403);
  assert.equal((await admin.get('/dashboard')).status, 200, "the admin's session was not ended");
});

test('an admin whose login passed no second step (optional by policy, none enrolled) gets 403', async () => {
  const lax = await startLoginHarness({ overrides: { policy: { admin: { second_step: 'optional' } } } });
  try {
    const browser = lax.browser();
    assert.equal((await browser.login(ADMIN.user, ADMIN.password)).location, '/dashboard', 'a password was enough');
    assert.equal((await browser.get(USERS)).status, 403);
    const csrf = await browser.gatewayCsrf(`${PREFIX}/account`);
    const posted = await browser.post(USER, { csrf_token: csrf, user: 'bob', action: 'unlock' });
    assert.equal(posted.status, 403);
    assert.doesNotMatch(lax.logText(), /"event":"lockout.lifted"/);
  } finally {
    await lax.close();
  }
});

test('an action without the CSRF token, or with another session’s, is refused and changes nothing', async () => {
  const staff = await signedInStaff();
  const missing = await admin.post(USER, { user: STAFF.user, action: 'end-sessions', confirm: 'yes' });
  assert.equal(missing.status, 403);
  // A token bound to another session (the staff member's own, from the account page) is not the admin's.
  const foreignCsrf = await staff.gatewayCsrf(`${PREFIX}/account`);
  const foreign = await admin.post(USER, {
    csrf_token: foreignCsrf,
    user: STAFF.user,
    action: 'end-sessions',
    confirm: 'yes',
  });
  assert.equal(foreign.status, 403);
  assert.equal((await staff.get('/dashboard')).status, 200, 'the staff session still works');
});

test('a destructive action is only confirmed without confirm=yes; with it, it runs', async () => {
  const staff = await signedInStaff();
  const asked = await act(admin, STAFF.user, 'end-sessions');
  assert.equal(asked.status, 200);
  assert.match(visible(asked.text), /End every session of bob\?/);
  assert.equal(formField(asked.text, 'confirm'), 'yes', 'the confirmation posts the same action with confirm=yes');
  assert.equal((await staff.get('/dashboard')).status, 200, 'nothing ended before the confirmation');

  for (const action of ['reset-factor', 'revoke-browsers']) {
    const page = await act(admin, STAFF.user, action);
    assert.equal(page.status, 200);
    assert.equal(formField(page.text, 'confirm'), 'yes', action);
  }
  assert.doesNotMatch(harness.logText(), /"event":"enrollment.factor_reset","user":"bob"/);

  const done = await act(admin, STAFF.user, 'end-sessions', { confirm: 'yes' });
  assert.equal(done.status, 200);
  assert.match(visible(done.text), /bob: ended [1-9]\d* sessions?/);
  assert.notEqual((await staff.get('/dashboard')).status, 200, 'the staff member is signed out');
});

test('a refusal is shown with its reason; the audit line names the admin; the trail filters', async () => {
  // TOTP is on for alice: a first-enrollment code is refused, and says why.
  const refused = await act(admin, ADMIN.user, 'enroll-code');
  assert.equal(refused.status, 409);
  assert.match(visible(refused.text), /Refused: alice already has TOTP/);

  const code = await act(admin, STAFF.user, 'enroll-code');
  assert.equal(code.status, 200);
  const issued = /Enrollment code for bob: (\S+) /.exec(visible(code.text))?.[1];
  assert.ok(issued, 'the code is shown once');
  assert.doesNotMatch(harness.logText(), new RegExp(issued), 'never in the log');

  const line = harness
    .logText()
    .split('\n')
    .find((text) => text.includes('"event":"enrollment.code_issued"'));
  assert.ok(line);
  const facts = JSON.parse(line) as Record<string, unknown>;
  assert.equal(facts.by, 'admin_page');
  assert.equal(facts.admin, ADMIN.user);
  assert.equal(facts.user, STAFF.user);

  const trail = await admin.get(`${AUDIT}?user=bob&event=enrollment`);
  assert.equal(trail.status, 200);
  const text = visible(trail.text);
  assert.match(text, /enrollment\.code_issued\s*bob\s*alice \(admin_page\)/);
  assert.doesNotMatch(text, new RegExp(issued), 'never in the trail');
  const table = visible(/<table id="audit-events">(.*?)<\/table>/s.exec(trail.text)?.[1] ?? '');
  assert.doesNotMatch(table, /session\.revoked/, 'the event filter applies');

  const future = await admin.get(`${AUDIT}?from=2999-01-01T00:00`);
  assert.match(visible(future.text), /No event matches/);
  const malformed = await admin.get(`${AUDIT}?from=yesterday`);
  assert.equal(malformed.status, 400);
});

test('the users list finds a user with their role, second step and sessions; unlock says what it lifted', async () => {
  await signedInStaff();
  const list = await admin.get(`${USERS}?q=BO`);
  assert.equal(list.status, 200);
  const row = /<tr data-user="bob">(.*?)<\/tr>/s.exec(list.text)?.[1] ?? '';
  assert.match(visible(row), /bob\s*staff\s*none\s*none\s*[1-9]/);
  assert.doesNotMatch(list.text, /data-user="alice"/, 'the search narrows the list');

  const unlocked = await act(admin, STAFF.user, 'unlock');
  assert.equal(unlocked.status, 200);
  assert.match(visible(unlocked.text), /bob: was not locked out; failures forgotten/);
  const user = await admin.get(`${USER}?name=Alice`);
  assert.match(visible(user.text), /User alice/);
  assert.match(visible(user.text), /admin \(admins\)/);
  assert.match(visible(user.text), /TOTP; 10 recovery codes left/);
});

test('set-role stores a known role and clears it; an unknown role is refused with the known ones', async () => {
  const set = await act(admin, 'carol', 'set-role', { role: 'admin' });
  assert.equal(set.status, 200);
  assert.match(visible(set.text), /carol: role admin from the next sign-in \(was staff\)/);
  const cleared = await act(admin, 'carol', 'set-role', { role: '' });
  assert.match(visible(cleared.text), /carol: role staff from the next sign-in \(was admin\)/);
  const typo = await act(admin, 'carol', 'set-role', { role: 'admni' });
  assert.equal(typo.status, 409);
  assert.match(visible(typo.text), /Refused: role "admni" is not named in gateway.yaml/);
  // A gateway.yaml admin's page offers no role form; a forged post is refused all the same.
  const alice = await admin.get(`${USER}?name=alice`);
  assert.doesNotMatch(alice.text, /name="action" value="set-role"/);
  const demote = await act(admin, ADMIN.user, 'set-role', { role: 'staff' });
  assert.equal(demote.status, 409);
  assert.match(visible(demote.text), /stays an admin whatever the store says/);
});

test('gateways sharing a store show one audit trail: a change made on one is listed on the other', async (t) => {
  const redis = await startRedisServer();
  t.after(() => redis.stop());
  const overrides = { store: { type: 'redis', url: redis.url, prefix: `console:${randomUUID()}:` } };
  const a = await startLoginHarness({ overrides });
  t.after(() => a.close());
  const b = await startLoginHarness({ overrides, app: a, clock: a.clock, dataDir: a.dataDir });
  t.after(() => b.close());
  const { browser: onA } = await a.enrollAdmin();
  const csrf = await onA.gatewayCsrf(`${USER}?name=bob`);
  assert.equal((await onA.post(USER, { csrf_token: csrf, user: 'bob', action: 'unlock' })).status, 200);

  const onB = b.browser();
  for (const [name, value] of onA.cookies) onB.cookies.set(name, value);
  const trail = await onB.get(`${AUDIT}?event=lockout.lifted`);
  assert.equal(trail.status, 200);
  const table = visible(/<table id="audit-events">(.*?)<\/table>/s.exec(trail.text)?.[1] ?? '');
  assert.match(table, /lockout\.lifted\s*bob\s*alice \(admin_page\)/);
});
