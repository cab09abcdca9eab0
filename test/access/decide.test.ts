// The access decision as a table: route kind, session state, client kind, the allowlist's
// verdict, the lockouts and the owed second step in, one action out. S0 is the rows without a
// full session; S3 the rows outside a list.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AllowlistVerdict } from '../../src/access/allowlist-verdict.js';
import { classifyRoute, type Decision, decide, type RequestFacts, secondStepFor } from '../../src/access/decide.js';
import { resolveRole, resolveRoleSource } from '../../src/access/roles.js';

describe('decide', () => {
  const inside: AllowlistVerdict = { allowed: true, via: 'list' };
  const unbound: AllowlistVerdict = { allowed: true, via: 'unbound' };
  const outside: AllowlistVerdict = { allowed: false, reason: 'outside' };
  const notLoaded: AllowlistVerdict = { allowed: false, reason: 'not_loaded' };
  const rows: Array<[RequestFacts, Decision]> = [
    // A login, step by step: read the username, the checks made before forwarding, the answer.
    [{ route: 'login', session: 'none', wantsJson: false }, { action: 'read-login' }],
    [{ route: 'login', session: 'full', wantsJson: false }, { action: 'read-login' }],
    [{ route: 'login', session: 'pending', wantsJson: true }, { action: 'read-login' }],
    // A login is judged on the user it names, not on the session the browser already holds.
    [
      { route: 'login', session: 'full', wantsJson: false, allowlist: { allowed: false, reason: 'outside' } },
      { action: 'read-login' },
    ],
    [
      { route: 'login', session: 'none', wantsJson: false, login: { allowlist: unbound, locked: false } },
      { action: 'check-password' },
    ],
    [
      { route: 'login', session: 'none', wantsJson: false, login: { allowlist: inside, locked: false } },
      { action: 'check-password' },
    ],
    [
      { route: 'login', session: 'none', wantsJson: false, login: { allowlist: outside, locked: false } },
      { action: 'refuse', reason: 'allowlist' },
    ],
    [
      { route: 'login', session: 'none', wantsJson: true, login: { allowlist: notLoaded, locked: false } },
      { action: 'refuse', reason: 'allowlist_unavailable' },
    ],
    [
      { route: 'login', session: 'none', wantsJson: false, login: { allowlist: unbound, locked: true } },
      { action: 'refuse', reason: 'locked' },
    ],
    // Outside the list and locked: the list speaks first (nothing is forwarded either way).
    [
      { route: 'login', session: 'none', wantsJson: false, login: { allowlist: outside, locked: true } },
      { action: 'refuse', reason: 'allowlist' },
    ],
    [
      { route: 'login', session: 'none', wantsJson: false, login: { allowlist: unbound, locked: false, owed: 'none' } },
      { action: 'start-session' },
    ],
    [
      { route: 'login', session: 'full', wantsJson: false, login: { allowlist: inside, locked: false, owed: 'totp' } },
      { action: 'withhold', step: 'totp' },
    ],
    [
      {
        route: 'login',
        session: 'none',
        wantsJson: true,
        login: { allowlist: unbound, locked: false, owed: 'questions' },
      },
      { action: 'withhold', step: 'questions' },
    ],
    [
      {
        route: 'login',
        session: 'none',
        wantsJson: false,
        login: { allowlist: unbound, locked: false, owed: 'enroll' },
      },
      { action: 'withhold', step: 'enroll' },
    ],
    [
      { route: 'login-path-other-method', session: 'none', wantsJson: false },
      { action: 'refuse', reason: 'method' },
    ],
    [
      { route: 'login-path-other-method', session: 'full', wantsJson: true, allowlist: inside },
      { action: 'refuse', reason: 'method' },
    ],
    // The app's logout and its paths, for a session and without one (S0).
    [{ route: 'logout', session: 'full', wantsJson: false, allowlist: inside }, { action: 'logout' }],
    [
      { route: 'logout', session: 'full', wantsJson: false, allowlist: outside },
      { action: 'refuse', reason: 'allowlist' },
    ],
    [
      { route: 'logout', session: 'none', wantsJson: false },
      { action: 'redirect', to: 'login' },
    ],
    [
      { route: 'public', session: 'none', wantsJson: false },
      { action: 'forward', vault: 'anonymous' },
    ],
    [
      { route: 'public', session: 'pending', wantsJson: false },
      { action: 'forward', vault: 'anonymous' },
    ],
    [
      { route: 'public', session: 'full', wantsJson: false, allowlist: unbound },
      { action: 'forward', vault: 'session' },
    ],
    [
      { route: 'public', session: 'full', wantsJson: false, allowlist: outside },
      { action: 'refuse', reason: 'allowlist' },
    ],
    [
      { route: 'private', session: 'full', wantsJson: true, allowlist: inside },
      { action: 'forward', vault: 'session' },
    ],
    // S3: every request of a session, and S11: lists that never loaded refuse whoever is bound.
    [
      { route: 'private', session: 'full', wantsJson: false, allowlist: outside },
      { action: 'refuse', reason: 'allowlist' },
    ],
    [
      { route: 'private', session: 'full', wantsJson: true, allowlist: notLoaded },
      { action: 'refuse', reason: 'allowlist_unavailable' },
    ],
    [
      { route: 'private', session: 'none', wantsJson: false },
      { action: 'redirect', to: 'login' },
    ],
    [{ route: 'private', session: 'none', wantsJson: true }, { action: 'unauthorized' }],
    [
      { route: 'private', session: 'pending', wantsJson: false },
      { action: 'redirect', to: 'step-up' },
    ],
    [{ route: 'private', session: 'pending', wantsJson: true }, { action: 'unauthorized' }],
    // The gateway's pages: served to everyone the lists let in; its logout to everyone.
    [{ route: 'gateway-page', session: 'none', wantsJson: false }, { action: 'serve' }],
    [{ route: 'gateway-page', session: 'pending', wantsJson: false, allowlist: inside }, { action: 'serve' }],
    [
      { route: 'gateway-page', session: 'pending', wantsJson: false, allowlist: outside },
      { action: 'refuse', reason: 'allowlist' },
    ],
    [
      { route: 'gateway-page', session: 'full', wantsJson: true, allowlist: notLoaded },
      { action: 'refuse', reason: 'allowlist_unavailable' },
    ],
    [{ route: 'gateway-logout', session: 'full', wantsJson: false, allowlist: outside }, { action: 'serve' }],
  ];
  for (const [facts, expected] of rows) {
    const { route, session, wantsJson, ...rest } = facts;
    const known = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
    test(`${route} / ${session} / ${wantsJson ? 'json' : 'browser'} ${known.join(' ')} -> ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(decide(facts), expected));
  }
});

describe('classifyRoute', () => {
  const login = { routes: [{ method: 'POST', path: '/login' }], logout_routes: [{ method: 'POST', path: '/logout' }] };
  const publicPaths = [
    { prefix: false, path: '/login' },
    { prefix: true, path: '/static' },
  ];
  const rows: Array<[string, string, string, boolean?]> = [
    ['POST', '/login', 'login'],
    ['GET', '/login', 'public'],
    ['HEAD', '/login', 'public'],
    ['PUT', '/login', 'login-path-other-method'],
    ['PATCH', '/login', 'login-path-other-method'],
    ['DELETE', '/login', 'login-path-other-method'],
    // Issue 11: a credential on a login path (the query, or a body not yet read) is a login, whatever the method.
    ['GET', '/login', 'login', true],
    ['HEAD', '/login', 'login', true],
    ['PUT', '/login', 'login', true],
    ['POST', '/login', 'login', true],
    ['GET', '/dashboard', 'private', true],
    ['POST', '/logout', 'logout', true],
    ['POST', '/logout', 'logout'],
    ['GET', '/logout', 'private'],
    ['GET', '/static', 'public'],
    ['GET', '/static/app.css', 'public'],
    ['GET', '/staticfile', 'private'],
    ['GET', '/login/extra', 'private'],
    ['GET', '/dashboard', 'private'],
  ];
  for (const [method, path, expected, credentials = false] of rows) {
    test(`${method} ${path}${credentials ? ' with a credential' : ''} -> ${expected}`, () =>
      assert.equal(classifyRoute(method, path, login, publicPaths, credentials), expected));
  }
});

describe('secondStepFor', () => {
  const policy = { admin: { second_step: 'required' as const }, staff: { second_step: 'optional' as const } };
  const rows: Array<[string, 'totp' | 'questions' | undefined, string]> = [
    ['admin', undefined, 'enroll'],
    ['admin', 'totp', 'totp'],
    ['admin', 'questions', 'questions'],
    ['staff', undefined, 'none'],
    ['staff', 'totp', 'totp'],
    ['staff', 'questions', 'questions'],
    ['unlisted', undefined, 'none'],
    ['unlisted', 'questions', 'questions'],
  ];
  for (const [role, enrolled, expected] of rows) {
    test(`${role}, enrolled=${enrolled ?? 'none'} -> ${expected}`, () =>
      assert.equal(secondStepFor(role, enrolled, policy), expected));
  }
});

describe('resolveRole precedence', () => {
  const settings = { default_role: 'user', admins: ['alice'], roles: { bob: 'staff' } };
  const rows: Array<[string, string | undefined, string]> = [
    ['alice', undefined, 'admin'],
    ['alice', 'staff', 'admin'], // the store cannot demote a YAML admin
    ['bob', undefined, 'staff'],
    ['bob', 'admin', 'admin'], // the store adds roles
    ['carol', undefined, 'user'],
    ['carol', 'staff', 'staff'],
  ];
  for (const [user, stored, expected] of rows) {
    test(`${user} with stored ${stored} -> ${expected}`, () =>
      assert.equal(resolveRole(user, settings, stored), expected));
  }

  const sources: Array<[string, string | undefined, string]> = [
    ['alice', 'staff', 'admins'],
    ['bob', 'admin', 'store'],
    ['bob', undefined, 'roles'],
    ['carol', undefined, 'default'],
  ];
  for (const [user, stored, source] of sources) {
    test(`${user} with stored ${stored} comes from ${source}`, () =>
      assert.equal(resolveRoleSource(user, settings, stored).source, source));
  }
});
