// The pure parts of the gateway's call of the app's logout (issue 12): where the token is found
// in the configured page, and how it travels (form field, header, both).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { logoutExtras, tokenInPage } from '../../src/intercept/upstream-logout.js';

describe('tokenInPage', () => {
  const django = 'name="csrfmiddlewaretoken" value="([^"]+)"';
  const rows: Array<[string, string, string | undefined]> = [
    [django, '<input type="hidden" name="csrfmiddlewaretoken" value="AbC123">', 'AbC123'],
    [django, '<input name="csrfmiddlewaretoken" value="a&amp;b&#x3d;">', 'a&b='],
    [django, '<p>no form here</p>', undefined],
    ['"csrfToken":"([^"]+)"', '{"csrfToken":"f00d"}', 'f00d'],
    ['token=(x+)|value=(y+)', 'value=yy', 'yy'],
  ];
  for (const [pattern, page, expected] of rows) {
    test(`${pattern} in ${page} -> ${expected}`, () => assert.equal(tokenInPage(pattern, page), expected));
  }
});

describe('logoutExtras', () => {
  const route = (csrf?: { field?: string; header?: string }) => ({
    method: 'POST',
    path: '/logout',
    query: {},
    url: '/logout',
    csrf: csrf && { page: '/', pattern: '(.+)', ...csrf },
  });
  test('no csrf: nothing but the gateway headers, no body', () =>
    assert.deepEqual(logoutExtras(route(), undefined, undefined), { headers: [], body: null }));
  test('a form field: a form body and its content type, with the Referer', () => {
    const extras = logoutExtras(route({ field: 'csrf token' }), 't&1', 'https://gw.example/admin/');
    assert.deepEqual(extras.headers, [
      'referer',
      'https://gw.example/admin/',
      'content-type',
      'application/x-www-form-urlencoded',
    ]);
    assert.equal(extras.body?.toString(), 'csrf+token=t%261');
  });
  test('a header: the token in it, no body', () =>
    assert.deepEqual(logoutExtras(route({ header: 'X-CSRF-Token' }), 'tok', undefined), {
      headers: ['X-CSRF-Token', 'tok'],
      body: null,
    }));
});
