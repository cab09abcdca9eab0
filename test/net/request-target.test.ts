// Table tests for the request target (S1, S11): one routing path for every spelling an
// upstream may route alike, and a refusal for whatever the gateway and the upstream could
// read differently. The path and query themselves are forwarded byte for byte.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isUnderPrefix, parseRequestTarget } from '../../src/net/request-target.js';

describe('parseRequestTarget refuses what it cannot route unambiguously', () => {
  const refused: Array<[target: string, reason: RegExp]> = [
    ['/login\0', /NUL/],
    ['/lo\0gin', /NUL/],
    ['/login%00', /NUL/],
    ['/login%00.html', /NUL/],
    ['/admin%2Fx', /slash/],
    ['/admin%2fx', /slash/],
    ['/public%2F..%2Fadmin', /slash/],
    ['/admin%5Cx', /backslash/],
    ['/admin%5cx', /backslash/],
    ['/admin\\x', /backslash/],
    ['/public\\..\\admin', /backslash/],
    ['/.', /dot segment/],
    ['/..', /dot segment/],
    ['/public/../admin', /dot segment/],
    ['/public/./admin', /dot segment/],
    ['/public/%2e%2e/admin', /dot segment/],
    ['/public/%2e%2E/admin', /dot segment/],
    ['/public/%2E%2E/admin', /dot segment/],
    ['/public/.%2e/admin', /dot segment/],
    ['/public/%2e./admin', /dot segment/],
    ['/public/%2e/admin', /dot segment/],
    ['/public/..;/admin', /dot segment/],
    ['/public/..;x=1/admin', /dot segment/],
    ['/public/.;/admin', /dot segment/],
    ['/public/..%3b/admin', /dot segment/],
    ['/public/%2e%2e;/admin', /dot segment/],
    ['/public/..', /dot segment/],
    ['/login#x', /fragment/],
    ['/login#', /fragment/],
    ['/%', /percent-encoding/],
    ['/%4', /percent-encoding/],
    ['/%zz', /percent-encoding/],
    ['/login%G0', /percent-encoding/],
    ['*', /absolute path/],
    ['http://x/', /absolute path/],
    ['https://upstream.internal/admin', /absolute path/],
    ['upstream.internal:443', /absolute path/],
    ['login', /absolute path/],
    ['?x=1', /absolute path/],
    ['', /absolute path/],
  ];
  for (const [target, reason] of refused) {
    test(`refuses ${JSON.stringify(target)}`, () => {
      const result = parseRequestTarget(target);
      assert.equal(result.ok, false, `expected ${JSON.stringify(target)} to be refused`);
      if (!result.ok) assert.match(result.reason, reason);
    });
  }

  // Overlong UTF-8 ("%C0%AE" is "." to a decoder that accepts it, as old IIS and some Java
  // stacks did) is routed as an ordinary name today, so "/public/%C0%AE%C0%AE/admin" lies
  // under a public "/public" while such an upstream serves /admin.
  test('refuses a path that is not valid UTF-8 once decoded (overlong dot %C0%AE)', () => {
    assert.equal(parseRequestTarget('/public/%C0%AE%C0%AE/admin').ok, false);
    assert.equal(parseRequestTarget('/public/%FF/admin').ok, false);
  });
});

describe('parseRequestTarget gives every spelling of a route one routing path', () => {
  const spellings: Array<[target: string, routingPath: string]> = [
    ['/login', '/login'],
    ['/login/', '/login'],
    ['/Login/', '/login'],
    ['/LOGIN', '/login'],
    ['//login', '/login'],
    ['///login//', '/login'],
    ['/login;x', '/login'],
    ['/login;jsessionid=ABC', '/login'],
    ['/login%3bx', '/login'],
    ['/%6Cogin', '/login'],
    ['/%6cOGIN', '/login'],
    ['/%4C%4F%47%49%4E', '/login'],
    ['/login?next=/admin', '/login'],
    ['/', '/'],
    ['//', '/'],
    ['/;x', '/'],
    ['/a/b/c', '/a/b/c'],
    ['/A//B/;p/C/', '/a/b/c'],
    ['/invoices/%31%32', '/invoices/12'],
    ['/caf%C3%A9', '/café'],
    ['/a/...', '/a/...'],
    ['/a/.b', '/a/.b'],
    ['/a/b.', '/a/b.'],
    ['/a%20b', '/a b'],
  ];
  for (const [target, routingPath] of spellings) {
    test(`${JSON.stringify(target)} routes as ${routingPath}`, () => {
      const result = parseRequestTarget(target);
      assert.ok(result.ok, `expected ${JSON.stringify(target)} to be accepted`);
      assert.equal(result.target.routingPath, routingPath);
    });
  }

  // A path already in its routing form is not taken apart (issue 17): with each character of
  // its segments percent-encoded, the same path must take the full reading, and both must say
  // the same (accepted or not, and the routing path). Random paths, from a seeded generator.
  test('a path read as already in routing form reads as its fully encoded spelling does', () => {
    const alphabet = ['a', 'z', 'A', 'Q', '0', '9', '.', '.', '-', '_', '~', ';', '=', '@', ':', '!', '$', '/', '/'];
    let seed = 17;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const encoded = (path: string) =>
      path.replace(/[^/]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
    let quick = 0;
    for (let i = 0; i < 5_000; i++) {
      let path = '/';
      for (let n = 1 + random(12); n > 0; n--) path += alphabet[random(alphabet.length)];
      const asIs = parseRequestTarget(path);
      const full = parseRequestTarget(encoded(path));
      assert.equal(asIs.ok, full.ok, path);
      if (asIs.ok && full.ok) {
        assert.equal(asIs.target.routingPath, full.target.routingPath, path);
        if (asIs.target.routingPath === path) quick++;
      }
    }
    assert.ok(quick > 500, `only ${quick} paths were in routing form`);
  });

  test('the login spellings an upstream accepts all share one routing path', () => {
    const paths = ['/login', '/Login/', '//login', '/login;x', '/%6Cogin', '/LOGIN'].map((target) => {
      const result = parseRequestTarget(target);
      assert.ok(result.ok);
      return result.target.routingPath;
    });
    assert.deepEqual(new Set(paths), new Set(['/login']));
  });
});

describe('parseRequestTarget keeps path and search byte for byte', () => {
  const verbatim: Array<[target: string, path: string, search: string]> = [
    ['/login', '/login', ''],
    ['/Login/', '/Login/', ''],
    ['//login;x', '//login;x', ''],
    ['/%6Cogin', '/%6Cogin', ''],
    ['/a%20b/%7E', '/a%20b/%7E', ''],
    ['/search?q=a+b&x=%2F&y=%00', '/search', '?q=a+b&x=%2F&y=%00'],
    ['/search?', '/search', '?'],
    ['/search??a=1?b', '/search', '??a=1?b'],
    ['/p?next=/../admin', '/p', '?next=/../admin'],
    ['/p?a=1#frag', '/p', '?a=1#frag'],
    ['/p?Q=%C3%A9&Q=%c3%a9', '/p', '?Q=%C3%A9&Q=%c3%a9'],
  ];
  for (const [target, path, search] of verbatim) {
    test(`${JSON.stringify(target)} forwards as path ${JSON.stringify(path)} and search ${JSON.stringify(search)}`, () => {
      const result = parseRequestTarget(target);
      assert.ok(result.ok);
      assert.equal(result.target.path, path);
      assert.equal(result.target.search, search);
      assert.equal(result.target.path + result.target.search, target);
    });
  }

  test('the query does not take part in the path checks', () => {
    // "%2F", "..", "\\" and "%00" are ordinary query bytes: the upstream's query parser owns them.
    for (const target of ['/p?x=%2F', '/p?x=../..', '/p?x=a\\b', '/p?x=%00']) {
      const result = parseRequestTarget(target);
      assert.ok(result.ok, target);
      assert.equal(result.target.routingPath, '/p');
    }
  });
});

describe('isUnderPrefix', () => {
  const rows: Array<[routingPath: string, prefix: string, under: boolean]> = [
    ['/_gateway', '/_gateway', true],
    ['/_gateway/readyz', '/_gateway', true],
    ['/_gateway/a/b', '/_gateway', true],
    ['/_gateway/readyz', '/_Gateway', true],
    ['/_gatewayx', '/_gateway', false],
    ['/_gateway-other/x', '/_gateway', false],
    ['/x/_gateway', '/_gateway', false],
    ['/', '/_gateway', false],
    ['/_gatewa', '/_gateway', false],
    ['/auth/login', '/auth', true],
    ['/authority', '/auth', false],
  ];
  for (const [routingPath, prefix, under] of rows) {
    test(`${routingPath} ${under ? 'is' : 'is not'} under ${prefix}`, () => {
      assert.equal(isUnderPrefix(routingPath, prefix), under);
    });
  }

  test('every spelling of the gateway prefix is under it once parsed', () => {
    for (const target of [
      '/_gateway/readyz',
      '/_GATEWAY/readyz',
      '//_gateway//readyz/',
      '/_gateway;x/readyz',
      '/%5Fgateway/readyz',
    ]) {
      const result = parseRequestTarget(target);
      assert.ok(result.ok, target);
      assert.ok(isUnderPrefix(result.target.routingPath, '/_gateway'), target);
    }
  });
});
