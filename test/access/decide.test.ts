// The access decision as a table (STYLE.md: "Policy is one pure decision"): route kind,
// session state and client kind in, one action out. S0 is the rows without a full session.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyRoute, type Decision, decide, type RequestFacts, secondStepFor } from '../../src/access/decide.js';
import { resolveRole, resolveRoleSource } from '../../src/access/roles.js';

describe('decide', () => {
  const rows: Array<[RequestFacts, Decision]> = [
    [{ route: 'login', session: 'none', wantsJson: false }, { action: 'login' }],
    [{ route: 'login', session: 'full', wantsJson: false }, { action: 'login' }],
    [{ route: 'login', session: 'pending', wantsJson: true }, { action: 'login' }],
    [{ route: 'login-path-other-method', session: 'none', wantsJson: false }, { action: 'refuse' }],
    [{ route: 'login-path-other-method', session: 'full', wantsJson: true }, { action: 'refuse' }],
    [{ route: 'logout', session: 'full', wantsJson: false }, { action: 'logout' }],
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
      { route: 'public', session: 'full', wantsJson: false },
      { action: 'forward', vault: 'session' },
    ],
    [
      { route: 'private', session: 'full', wantsJson: true },
      { action: 'forward', vault: 'session' },
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
  ];
  for (const [facts, expected] of rows) {
    test(`${facts.route} / ${facts.session} / ${facts.wantsJson ? 'json' : 'browser'} -> ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(decide(facts), expected));
  }
});

describe('classifyRoute', () => {
  const login = { routes: [{ method: 'POST', path: '/login' }], logout_routes: [{ method: 'POST', path: '/logout' }] };
  const publicPaths = [
    { prefix: false, path: '/login' },
    { prefix: true, path: '/static' },
  ];
  const rows: Array<[string, string, string]> = [
    ['POST', '/login', 'login'],
    ['GET', '/login', 'public'],
    ['HEAD', '/login', 'public'],
    ['PUT', '/login', 'login-path-other-method'],
    ['PATCH', '/login', 'login-path-other-method'],
    ['DELETE', '/login', 'login-path-other-method'],
    ['POST', '/logout', 'logout'],
    ['GET', '/logout', 'private'],
    ['GET', '/static', 'public'],
    ['GET', '/static/app.css', 'public'],
    ['GET', '/staticfile', 'private'],
    ['GET', '/login/extra', 'private'],
    ['GET', '/dashboard', 'private'],
  ];
  for (const [method, path, expected] of rows) {
    test(`${method} ${path} -> ${expected}`, () =>
      assert.equal(classifyRoute(method, path, login, publicPaths), expected));
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
