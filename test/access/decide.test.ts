// The access decision as a table: route kind, session state, client kind, the allowlist's
// verdict, the lockouts and the owed second step in, one action out. S0 is the rows without a
// full session; S3 the rows outside a list.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AllowlistVerdict } from '../../src/access/allowlist-verdict.js';
import { classifyRoute, type Decision, decide, type RequestFacts, secondStepFor } from '../../src/access/decide.js';
import { resolveRole, resolveRoleSource } from '../../src/access/roles.js';
import { compilePathRules, type PathRequirement, requirementFor } from '../../src/config/path-rules.js';
import type { RuleSettings } from '../../src/config/sections/rules.js';
import type { FactorKind } from '../../src/factors/factor.js';
import { parseRequestTarget, type RequestTarget } from '../../src/net/request-target.js';

describe('decide', () => {
  const inside: AllowlistVerdict = { allowed: true, via: 'list' };
  const unbound: AllowlistVerdict = { allowed: true, via: 'unbound' };
  const outside: AllowlistVerdict = { allowed: false, reason: 'outside' };
  const notLoaded: AllowlistVerdict = { allowed: false, reason: 'not_loaded' };
  const T = 1_800_000_000_000;
  const DAY = 86_400_000;
  const FIVE_MIN = 300_000;
  const deny: PathRequirement = { access: 'deny' };
  const session: PathRequirement = { access: 'session' };
  const publicRule: PathRequirement = { access: 'public' };
  const secondStep: PathRequirement = { access: 'second_step' };
  const fresh: PathRequirement = { access: 'fresh_second_step', withinMs: FIVE_MIN };
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
    // Path rules (issue 16). deny: nobody, whatever the session; the allowlist still speaks first.
    [
      { route: 'private', session: 'none', wantsJson: false, requirement: deny },
      { action: 'refuse', reason: 'rule' },
    ],
    [
      { route: 'private', session: 'full', wantsJson: true, allowlist: inside, requirement: deny, secondStepAt: T },
      { action: 'refuse', reason: 'rule' },
    ],
    [
      { route: 'private', session: 'full', wantsJson: false, allowlist: outside, requirement: deny },
      { action: 'refuse', reason: 'allowlist' },
    ],
    // session: the default, as without a rule.
    [
      { route: 'private', session: 'full', wantsJson: false, allowlist: unbound, requirement: session },
      { action: 'forward', vault: 'session' },
    ],
    // second_step: passed at login (or since), whenever; a session without one passes it first.
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: secondStep,
        secondStepAt: T - DAY,
        now: T,
      },
      { action: 'forward', vault: 'session' },
    ],
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: secondStep,
        method: 'GET',
        now: T,
      },
      { action: 'confirm', hold: false },
    ],
    [
      { route: 'private', session: 'full', wantsJson: true, allowlist: unbound, requirement: secondStep },
      { action: 'unauthorized', need: 'second_step' },
    ],
    // Without a session, a rule asking for more than a session first asks for the session.
    [
      { route: 'private', session: 'none', wantsJson: false, requirement: fresh },
      { action: 'redirect', to: 'login' },
    ],
    [
      { route: 'private', session: 'pending', wantsJson: false, requirement: secondStep },
      { action: 'redirect', to: 'step-up' },
    ],
    // fresh_second_step 5m: within the time (its edge included) it is forwarded; after it, asked again.
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: fresh,
        method: 'POST',
        secondStepAt: T - 60_000,
        now: T,
      },
      { action: 'forward', vault: 'session' },
    ],
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: fresh,
        method: 'POST',
        secondStepAt: T - FIVE_MIN,
        now: T,
      },
      { action: 'forward', vault: 'session' },
    ],
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: fresh,
        method: 'POST',
        secondStepAt: T - FIVE_MIN - 1,
        now: T,
      },
      { action: 'confirm', hold: true },
    ],
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: fresh,
        method: 'GET',
        secondStepAt: T - DAY,
        now: T,
      },
      { action: 'confirm', hold: false },
    ],
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: fresh,
        method: 'HEAD',
        now: T,
      },
      { action: 'confirm', hold: false },
    ],
    // A form post that never passed a step is held; so is any method but GET and HEAD.
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: unbound,
        requirement: fresh,
        method: 'DELETE',
        now: T,
      },
      { action: 'confirm', hold: true },
    ],
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: true,
        allowlist: unbound,
        requirement: fresh,
        method: 'POST',
        secondStepAt: T - DAY,
        now: T,
      },
      { action: 'unauthorized', need: 'second_step' },
    ],
    // The allowlist before the step: someone outside their list is not asked for anything.
    [
      {
        route: 'private',
        session: 'full',
        wantsJson: false,
        allowlist: outside,
        requirement: fresh,
        method: 'POST',
        now: T,
      },
      { action: 'refuse', reason: 'allowlist' },
    ],
    // Public and logout routes are not asked for a step (a public rule's route is 'public').
    [
      { route: 'public', session: 'full', wantsJson: false, allowlist: unbound, requirement: publicRule, now: T },
      { action: 'forward', vault: 'session' },
    ],
    [
      { route: 'logout', session: 'full', wantsJson: false, allowlist: unbound, requirement: fresh, now: T },
      { action: 'logout' },
    ],
  ];
  for (const [facts, expected] of rows) {
    const { route, session, wantsJson, ...rest } = facts;
    const known = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
    test(`${route} / ${session} / ${wantsJson ? 'json' : 'browser'} ${known.join(' ')} -> ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(decide(facts), expected));
  }
});

/** A request target as the gateway parses it ("/Login.pl?action=x" -> routing path and query). */
function target(url: string): RequestTarget {
  const parsed = parseRequestTarget(url);
  assert.ok(parsed.ok, url);
  return parsed.target;
}

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
  const rules = compilePathRules([], publicPaths);
  for (const [method, path, expected, credentials = false] of rows) {
    test(`${method} ${path}${credentials ? ' with a credential' : ''} -> ${expected}`, () =>
      assert.equal(
        classifyRoute(method, target(path), login, requirementFor(method, target(path), rules), credentials),
        expected,
      ));
  }
});

describe('classifyRoute: routes and public paths that name query parameters (issue 12)', () => {
  // SQL-Ledger's shape: one script logs in (POST), shows the form, logs out (GET ?action=logout).
  const login = {
    routes: [{ method: 'POST', path: '/login.pl', query: { action: 'login' } }],
    logout_routes: [{ method: 'GET', path: '/login.pl', query: { action: 'logout' } }],
  };
  const rules = compilePathRules(
    [],
    [
      { prefix: false, path: '/login.pl' },
      { prefix: false, path: '/view.pl', query: { action: 'public' } },
    ],
  );
  const rows: Array<[string, string, string, boolean?]> = [
    ['GET', '/login.pl?action=logout', 'logout'],
    // Every spelling of the path, the parameter among others.
    ['GET', '/Login.pl/?x=1&action=logout', 'logout'],
    ['GET', '/login.pl?action=%6Cogout', 'logout'],
    // The same path without the query, or with another value: the login page.
    ['GET', '/login.pl', 'public'],
    ['GET', '/login.pl?action=logou', 'public'],
    ['GET', '/login.pl?action=logout2', 'public'],
    ['GET', '/login.pl?Action=logout', 'public'],
    // Named twice (apps disagree on which one counts), or also in a spelling PHP reads as it: no route.
    ['GET', '/login.pl?action=logout&action=logout', 'public'],
    ['GET', '/login.pl?action=logout&action[]=view', 'public'],
    ['GET', '/login.pl?action=logout&%20action=view', 'public'],
    ['POST', '/login.pl?action=logout', 'login-path-other-method'],
    ['POST', '/login.pl?action=login', 'login'],
    // A credential on the login path is a login whatever the query (S1).
    ['POST', '/login.pl', 'login', true],
    ['GET', '/login.pl?action=logout', 'login', true],
    ['GET', '/view.pl?action=public', 'public'],
    ['GET', '/view.pl?id=7&action=public', 'public'],
    ['GET', '/view.pl', 'private'],
    ['GET', '/view.pl?action=edit', 'private'],
    ['GET', '/view.pl?action=public&action=edit', 'private'],
    ['GET', '/view.pl?action.=public', 'private'],
  ];
  for (const [method, url, expected, credentials = false] of rows) {
    test(`${method} ${url}${credentials ? ' with a credential' : ''} -> ${expected}`, () =>
      assert.equal(
        classifyRoute(method, target(url), login, requirementFor(method, target(url), rules), credentials),
        expected,
      ));
  }
});

describe('path rules: first match wins', () => {
  const rule = (path: string, access: RuleSettings['access'], methods?: string[]): RuleSettings => ({
    path: { path: path.replace(/\/$/, ''), prefix: path.endsWith('/') },
    methods,
    access,
  });
  const rules = compilePathRules(
    [
      rule('/settings/bank/', { fresh_second_step: 300_000 }, ['POST', 'PUT']),
      rule('/settings/', 'second_step'),
      rule('/invoices/*/export', { fresh_second_step: 60_000 }),
      rule('/public/drafts/', 'deny'),
      rule('/debug', 'deny'),
      rule('/status', 'public', ['GET']),
    ],
    [
      { prefix: false, path: '/login' },
      { prefix: true, path: '/public' },
    ],
  );
  const rows: Array<[string, string, PathRequirement]> = [
    ['POST', '/settings/bank', { access: 'fresh_second_step', withinMs: 300_000 }],
    ['PUT', '/settings/bank/iban', { access: 'fresh_second_step', withinMs: 300_000 }],
    // The methods narrow the rule: a GET of the bank page meets the next rule.
    ['GET', '/settings/bank', { access: 'second_step' }],
    ['GET', '/settings', { access: 'second_step' }],
    ['GET', '/settingsx', { access: 'session' }],
    ['GET', '/invoices/42/export', { access: 'fresh_second_step', withinMs: 60_000 }],
    ['GET', '/invoices/42/export/all', { access: 'session' }],
    ['GET', '/invoices/42/7/export', { access: 'session' }],
    ['GET', '/invoices//export', { access: 'session' }],
    // A rule before public_paths narrows a public prefix.
    ['GET', '/public/drafts/1', { access: 'deny' }],
    ['GET', '/public/invoice/1', { access: 'public' }],
    ['GET', '/debug', { access: 'deny' }],
    ['GET', '/debug/x', { access: 'session' }],
    ['GET', '/status', { access: 'public' }],
    ['POST', '/status', { access: 'session' }],
    ['GET', '/login', { access: 'public' }],
    ['GET', '/dashboard', { access: 'session' }],
  ];
  for (const [method, path, expected] of rows) {
    test(`${method} ${path} -> ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(requirementFor(method, target(path), rules), expected));
  }
});

describe('secondStepFor', () => {
  const policy = { admin: { second_step: 'required' as const }, staff: { second_step: 'optional' as const } };
  const all: FactorKind[] = ['totp', 'passkey', 'questions'];
  const rows: Array<[string, FactorKind[], FactorKind[], string]> = [
    ['admin', [], all, 'enroll'],
    ['admin', ['totp'], all, 'totp'],
    ['admin', ['passkey'], all, 'passkey'],
    ['admin', ['totp', 'passkey'], all, 'totp'],
    ['admin', ['questions'], all, 'questions'],
    // A policy narrowed after enrollment owes never nothing: questions the role may no longer use
    // are passed, then replaced by TOTP (issue 15); what cannot be replaced so owes an enrollment.
    ['admin', ['questions'], ['totp', 'passkey'], 'replace'],
    ['staff', ['questions'], ['totp'], 'replace'],
    ['optional-role', ['questions'], ['totp'], 'replace'],
    ['admin', ['questions'], ['passkey'], 'enroll'],
    ['staff', ['totp', 'passkey'], ['passkey'], 'passkey'],
    ['staff', ['totp'], ['passkey'], 'enroll'],
    ['staff', ['totp'], ['questions'], 'enroll'],
    ['staff', [], all, 'none'],
    ['staff', ['totp'], all, 'totp'],
    ['staff', ['questions'], all, 'questions'],
    ['unlisted', [], all, 'none'],
    ['unlisted', ['questions'], all, 'questions'],
  ];
  for (const [role, enrolled, allowed, expected] of rows) {
    test(`${role}, enrolled=[${enrolled}], allowed=[${allowed}] -> ${expected}`, () =>
      assert.equal(secondStepFor(role, enrolled, allowed, policy), expected));
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
