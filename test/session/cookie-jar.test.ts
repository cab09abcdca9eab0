// The vault's jar behaves like a browser's for one host: paths, expiry, deletion, SameSite.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyChanges,
  changesFromSetCookies,
  cookieHeader,
  defaultPath,
  type Jar,
  jarKey,
  parseSetCookie,
  pathMatches,
  withoutExpired,
} from '../../src/session/cookie-jar.js';

const NOW = Date.UTC(2026, 0, 1);

describe('path rules (RFC 6265 5.1.4)', () => {
  const defaults: Array<[string, string]> = [
    ['/', '/'],
    ['/login', '/'],
    ['/app/login', '/app'],
    ['/app/', '/app'],
    ['', '/'],
  ];
  for (const [request, expected] of defaults) {
    test(`default path of "${request}" is "${expected}"`, () => assert.equal(defaultPath(request), expected));
  }
  const matches: Array<[string, string, boolean]> = [
    ['/app', '/app', true],
    ['/app/x', '/app', true],
    ['/app/x', '/app/', true],
    ['/application', '/app', false],
    ['/', '/app', false],
    ['/anything', '/', true],
  ];
  for (const [request, cookie, expected] of matches) {
    test(`"${request}" ${expected ? 'matches' : 'does not match'} "${cookie}"`, () =>
      assert.equal(pathMatches(request, cookie), expected));
  }
});

describe('parseSetCookie', () => {
  test('keeps name, value and attributes', () => {
    const parsed = parseSetCookie('sid=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60', '/login', NOW);
    assert.deepEqual(parsed, {
      key: jarKey('sid', '/'),
      cookie: { name: 'sid', value: 'abc', path: '/', expiresAt: NOW + 60_000, sameSite: 'strict' },
    });
  });
  test('Max-Age=0 and a past Expires are deletions', () => {
    assert.equal(parseSetCookie('sid=; Max-Age=0; Path=/', '/', NOW)?.cookie, null);
    assert.equal(parseSetCookie('sid=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/', '/', NOW)?.cookie, null);
  });
  test('Max-Age wins over Expires', () => {
    const parsed = parseSetCookie('a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=10', '/', NOW);
    assert.equal(parsed?.cookie?.expiresAt, NOW + 10_000);
  });
  test('lines a browser ignores are ignored', () => {
    assert.equal(parseSetCookie('novalue', '/', NOW), undefined);
    assert.equal(parseSetCookie('=x', '/', NOW), undefined);
  });
  test('names with unusual characters are kept as written', () => {
    assert.equal(parseSetCookie('odd.name[1]=v', '/', NOW)?.cookie?.name, 'odd.name[1]');
  });
  test('a relative Path attribute falls back to the default path', () => {
    assert.equal(parseSetCookie('a=1; Path=rel', '/app/login', NOW)?.cookie?.path, '/app');
  });
});

describe('applying changes', () => {
  const jar: Jar = applyChanges({}, changesFromSetCookies(['a=1; Path=/', 'b=2; Path=/app'], '/', NOW));

  test('adds, replaces and deletes per cookie', () => {
    const next = applyChanges(jar, changesFromSetCookies(['a=9; Path=/', 'b=; Max-Age=0; Path=/app'], '/', NOW));
    assert.equal(next[jarKey('a', '/')]?.value, '9');
    assert.equal(next[jarKey('b', '/app')], undefined);
  });
  test('the same cookie under two paths is two cookies', () => {
    const next = applyChanges(jar, changesFromSetCookies(['a=other; Path=/app'], '/', NOW));
    assert.equal(next[jarKey('a', '/')]?.value, '1');
    assert.equal(next[jarKey('a', '/app')]?.value, 'other');
  });
  test('nothing changed returns the same jar, so no write is needed', () => {
    assert.equal(applyChanges(jar, changesFromSetCookies(['a=1; Path=/'], '/', NOW)), jar);
    assert.equal(applyChanges(jar, changesFromSetCookies(['gone=; Max-Age=0'], '/', NOW)), jar);
  });
  test('changes from two concurrent answers merge without losing either', () => {
    const first = changesFromSetCookies(['a=from-first; Path=/'], '/', NOW);
    const second = changesFromSetCookies(['c=from-second; Path=/'], '/', NOW);
    const merged = applyChanges(applyChanges(jar, first), second);
    assert.equal(merged[jarKey('a', '/')]?.value, 'from-first');
    assert.equal(merged[jarKey('c', '/')]?.value, 'from-second');
  });
  test('expired cookies are dropped', () => {
    const short = applyChanges({}, changesFromSetCookies(['t=1; Max-Age=5'], '/', NOW));
    assert.deepEqual(withoutExpired(short, NOW + 6_000), {});
    assert.equal(withoutExpired(short, NOW + 1_000), short);
  });
});

describe('cookieHeader', () => {
  const jar = applyChanges(
    {},
    changesFromSetCookies(
      ['root=r; Path=/', 'app=a; Path=/app', 'strict=s; Path=/; SameSite=Strict', 'old=o; Max-Age=1'],
      '/',
      NOW,
    ),
  );
  test('sends matching cookies, longest path first', () => {
    assert.equal(cookieHeader(jar, '/app/x', NOW, false), 'app=a; root=r; strict=s; old=o');
  });
  test('withholds other paths and expired cookies', () => {
    assert.equal(cookieHeader(jar, '/other', NOW + 2_000, false), 'root=r; strict=s');
  });
  test('withholds SameSite=Strict cookies from a cross-site request', () => {
    assert.equal(cookieHeader(jar, '/', NOW, true), 'root=r; old=o');
  });
});
