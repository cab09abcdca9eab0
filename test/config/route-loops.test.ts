// Routes that would send a browser round in circles are configuration errors (issue 12), each
// reported at the key to change: a login page behind default deny, a logout route that is the
// login page or a login route, a landing path that is denied or logs out. Routes and public
// paths may name query parameters; those are part of what makes two routes the same.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatConfigError, parseConfig } from '../../src/config/load.js';

/** SQL-Ledger's shape: one script shows the form, logs in (POST) and logs out (?action=logout). */
const base = {
  upstream: { url: 'http://127.0.0.1:3001' },
  public_paths: ['/login.pl', '/static/'],
  login: {
    routes: [{ method: 'POST', path: '/login.pl', query: { action: 'login' } }],
    page: '/login.pl',
    logout_routes: [{ method: 'GET', path: '/login.pl', query: { action: 'logout' } }],
    landing_path: '/menu.pl?action=display',
  },
};

async function errorsOf(overrides: { public_paths?: unknown; rules?: unknown; login?: object }): Promise<string[]> {
  const config = { ...base, ...overrides, login: { ...base.login, ...overrides.login } };
  const result = await parseConfig(JSON.stringify(config));
  return result.ok ? [] : result.errors.map((error) => formatConfigError(error).replace(/ \(line \d+\)$/, ''));
}

describe('route loops', () => {
  const rows: Array<[string, Parameters<typeof errorsOf>[0], RegExp[]]> = [
    ['a logout route with a query beside the login page of its path', {}, []],
    [
      'the login page behind default deny',
      { public_paths: ['/static/'] },
      [
        /^login\.page: must be listed in public_paths .* sent to \/login\.pl without a session would be sent there again/,
      ],
    ],
    [
      'the login page covered by a public path with another query',
      { public_paths: ['/login.pl?action=login', '/static/'] },
      [/^login\.page: must be listed in public_paths/],
    ],
    [
      'the login page public only with its query',
      { public_paths: ['/login.pl?from=gw'], login: { page: '/login.pl?from=gw' } },
      [],
    ],
    [
      'a logout route that is the login page (same path, method, no query)',
      { login: { logout_routes: [{ method: 'GET', path: '/Login.pl' }] } },
      [/^login\.logout_routes\.0: is the login page: showing the form \(\/login\.pl\) would log out$/],
    ],
    [
      "a logout route whose query the login page's carries",
      {
        public_paths: ['/login.pl'],
        login: { page: '/login.pl?action=logout&x=1' },
      },
      [/^login\.logout_routes\.0: is the login page/],
    ],
    ['a POST logout on the login path', { login: { logout_routes: [{ method: 'POST', path: '/login.pl' }] } }, []],
    [
      'a logout route that is a login route (same path, method and query)',
      { login: { logout_routes: [{ method: 'POST', path: '/login.pl/', query: { action: 'login' } }] } },
      [/^login\.logout_routes\.0: is also a login route/],
    ],
    [
      'a logout route on the login route with another query',
      { login: { logout_routes: [{ method: 'POST', path: '/login.pl', query: { action: 'logout' } }] } },
      [],
    ],
    [
      'a landing path denied by a rule',
      { rules: [{ path: '/menu.pl', access: 'deny' }] },
      [/^login\.landing_path: is denied by a rule: a browser sent to \/menu\.pl\?action=display after its second step/],
    ],
    ['a landing path behind a session rule', { rules: [{ path: '/menu.pl', access: 'second_step' }] }, []],
    [
      'a landing path that is the logout route',
      { login: { landing_path: '/login.pl?action=logout' } },
      [/^login\.logout_routes\.0: is the landing path/],
    ],
  ];
  for (const [name, overrides, expected] of rows) {
    test(name, async () => {
      const errors = await errorsOf(overrides);
      assert.equal(errors.length, expected.length, errors.join('\n'));
      for (const [index, pattern] of expected.entries()) assert.match(errors[index] as string, pattern);
    });
  }
});

describe('routes and public paths with a query', () => {
  test('a route keeps its path and query as written, and matches on the routing path', async () => {
    const result = await parseConfig(JSON.stringify(base));
    assert.ok(result.ok);
    assert.deepEqual(result.config.login?.logout_routes, [
      { method: 'GET', path: '/login.pl', query: { action: 'logout' }, url: '/login.pl?action=logout' },
    ]);
    const django = await parseConfig(
      JSON.stringify({ ...base, login: { ...base.login, logout_routes: [{ path: '/Admin/Logout/' }] } }),
    );
    assert.ok(django.ok);
    assert.deepEqual(django.config.login?.logout_routes, [
      { method: 'POST', path: '/admin/logout', query: {}, url: '/Admin/Logout/' },
    ]);
  });

  const refused: Array<[string, Parameters<typeof errorsOf>[0], RegExp]> = [
    [
      'a query in a route path',
      { login: { routes: [{ path: '/login.pl?action=login' }] } },
      /^login\.routes\.0\.path: must be an absolute path without a query \(give the query as query:\)/,
    ],
    [
      'a route path with a space',
      { login: { routes: [{ path: '/log in' }] } },
      /^login\.routes\.0\.path: must be printable ASCII/,
    ],
    [
      'a query parameter that is not a string',
      { login: { routes: [{ path: '/login.pl', query: { action: 1 } }] } },
      /^login\.routes\.0\.query\.action/,
    ],
    [
      'a public prefix with a query',
      { public_paths: ['/login.pl', '/static/?v=1'] },
      /^public_paths\.1: a path ending in "\/" takes no query/,
    ],
    [
      'a public path naming a parameter twice',
      { public_paths: ['/login.pl', '/v.pl?a=1&a=2'] },
      /^public_paths\.1: names the query parameter "a" twice/,
    ],
  ];
  for (const [name, overrides, pattern] of refused) {
    test(`refused: ${name}`, async () => {
      const errors = await errorsOf(overrides);
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0] as string, pattern);
    });
  }
});
