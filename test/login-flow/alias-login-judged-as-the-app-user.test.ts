// Issue 11, item 3 (S13): an app that signs a short name in as a longer one (`alice` is
// `alice@corp.example` to it) must not get the policy of the name typed. With login.identity the
// gateway reads who the app signed in and judges the login as that user: the second step the
// user owes, their allowlist, their lockouts; a refusal logs the app's new session out upstream,
// and an answer that names nobody is refused. The audit event names both names.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

const ADMIN = { typed: 'alice', user: 'alice@corp.example', password: 'alice-password' };
const OFFICE = { typed: 'bob', user: 'bob@corp.example', password: 'bob-password' };

function start(identity: Record<string, unknown>): Promise<LoginHarness> {
  return startLoginHarness({
    lenientApp: true,
    overrides: {
      login: { identity },
      // The typed short names are nobody in particular (bob: the demo's staff, on the loopback
      // list); the app's users are an admin and someone bound to a list the client is outside.
      users: { admins: [ADMIN.user], roles: { [OFFICE.user]: 'office' } },
      policy: { office: { allowlist: 'office' } },
      allowlists: { lists: { office: [{ cidr: '192.0.2.0/24', note: 'office' }] } },
    },
  });
}

const logoutsSent = (harness: LoginHarness) => harness.received.filter((r) => r.url === '/logout').length;

describe('confirmed by the app’s who-am-I endpoint', () => {
  let harness: LoginHarness;
  before(async () => {
    harness = await start({ source: 'json', path: '/api/me', field: 'name' });
  });
  after(() => harness.close());

  test('a short name the app signs in as an admin owes the admin’s second step', async () => {
    const browser = harness.browser();
    const answer = await browser.login(ADMIN.typed, ADMIN.password);
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/_gateway/enroll');
    assert.equal((await browser.get('/dashboard')).location, '/_gateway/step-up');
    const line = harness
      .logText()
      .split('\n')
      .find((text) => text.includes('"event":"login.identity_differs"'));
    assert.ok(line, 'an audit event');
    assert.match(line, /"user":"alice@corp.example"/);
    assert.match(line, /"typed_user":"alice"/);
    // The session is the app's user's: after enrollment, the account is alice@corp.example's.
    await browser.enroll();
    assert.equal(await harness.gateway.login?.totp.isEnrolled(ADMIN.user), true);
    assert.equal(await harness.gateway.login?.totp.isEnrolled(ADMIN.typed), false);
  });

  test('the allowlist of the app’s user applies: refused, and the new app session logged out upstream', async () => {
    const browser = harness.browser();
    const logouts = logoutsSent(harness);
    const answer = await browser.login(OFFICE.typed, OFFICE.password);
    assert.equal(answer.status, 403);
    assert.ok(!answer.setCookies.some((line) => /^gw_session=[^;]/.test(line)), 'no session');
    assert.ok(!answer.setCookies.some((line) => line.startsWith('invoice_sid=')), 'nothing of the app');
    assert.match(harness.logText(), /"event":"allowlist.refused"[^\n]*"user":"bob@corp.example"/);
    await waitFor('a logout upstream', () => logoutsSent(harness) > logouts);
  });

  test('the lockout of the app’s user applies', async () => {
    const limits = harness.gateway.login?.passwordLimits;
    assert.ok(limits);
    // The app's user fails from this address until locked there; the name typed has no failures.
    for (let i = 0; i < 100; i++) {
      const reserved = await limits.reserve(ADMIN.user, '127.0.0.1');
      if (!reserved.ok) break;
      await reserved.attempt.failed();
    }
    assert.notDeepEqual(await limits.locked(ADMIN.user, '127.0.0.1'), []);
    assert.deepEqual(await limits.locked(ADMIN.typed, '127.0.0.1'), []);
    const answer = await harness.browser().login(ADMIN.typed, ADMIN.password);
    assert.equal(answer.status, 429);
    await limits.unlockUser(ADMIN.user);
  });
});

describe('confirmation configured, but the app names nobody', () => {
  let harness: LoginHarness;
  before(async () => {
    harness = await start({ source: 'json', path: '/api/me', field: 'no_such_field' });
  });
  after(() => harness.close());

  test('the login fails closed: refused, and logged out upstream', async () => {
    const browser = harness.browser();
    const logouts = logoutsSent(harness);
    const answer = await browser.login(OFFICE.typed, OFFICE.password);
    assert.equal(answer.status, 403);
    assert.ok(!answer.setCookies.some((line) => /^gw_session=[^;]/.test(line)), 'no session');
    await waitFor('a logout upstream', () => logoutsSent(harness) > logouts);
  });
});
