// S9: a return target is a same-origin relative path or it is dropped. The table checks the
// one function that decides (src/http/return-path.ts); the end-to-end part checks that every
// `next` the gateway puts on its redirect to the login page is such a path, whatever was asked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { safeReturnPath } from '../../src/http/return-path.js';
import { rawRequest } from '../helpers/http-client.js';
import { type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

describe('safeReturnPath', () => {
  const kept = [
    '/',
    '/dashboard',
    '/invoices/1/download?format=txt',
    '/a//b',
    '/javascript:alert(1)',
    '/@evil.example',
    '/dashboard?next=//evil.example',
  ];
  const dropped: Array<string | null | undefined> = [
    '//evil.example',
    '//evil.example/path',
    '///evil.example',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    '/%5Cevil.example',
    '/%5C%5Cevil.example',
    '/%2Fevil.example',
    '/%2F%2Fevil.example',
    '/\t/evil.example',
    '/%09/evil.example',
    '/\n/evil.example',
    '/%0A/evil.example',
    '/%0D%0A/evil.example',
    '/%00/evil.example',
    '/.//evil.example',
    '/%2e//evil.example',
    '/x/..//evil.example',
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://evil.example/',
    'http:/evil.example',
    ' /dashboard',
    'dashboard',
    '//',
    '/%E0%A4%A',
    `/${'a'.repeat(2048)}`,
    '',
    null,
    undefined,
  ];
  for (const target of kept) test(`keeps ${target}`, () => assert.equal(safeReturnPath(target), target));
  for (const target of dropped) {
    test(`drops ${JSON.stringify(target)?.slice(0, 40)}`, () => assert.equal(safeReturnPath(target), undefined));
  }
});

describe('the next the gateway sends to the login page', () => {
  let harness: LoginHarness;
  before(async () => {
    harness = await startLoginHarness();
  });
  after(() => harness.close());

  /** A same-origin path: what a browser resolves it to stays on the gateway, and no app re-emits it off-site. */
  function assertSameOrigin(next: string, asked: string): void {
    assert.ok(next.startsWith('/') && !next.startsWith('//'), asked);
    assert.doesNotMatch(next, /[\\\p{Cc}]/u, asked);
    const url = new URL(next, harness.gatewayUrl);
    assert.equal(url.origin, harness.gatewayUrl, asked);
    assert.ok(!url.pathname.startsWith('//'), asked);
  }

  const asked = [
    '/dashboard',
    '/invoices/export?size=10',
    '//evil.example/x',
    '///evil.example',
    '/%09/evil.example',
    '/%0A/evil.example',
    '/%0D%0A//evil.example',
    '/%C2%A0//evil.example',
    '/javascript:alert(1)',
    '/dashboard?next=https://evil.example/',
    '/dashboard?next=%2F%2Fevil.example',
    '/%2e//evil.example',
    '/%5Cevil.example',
    '/x/%2e%2e//evil.example',
  ];

  test('is a same-origin path or absent, for every request path', async () => {
    for (const path of asked) {
      const answer = await rawRequest(harness.gatewayUrl, { path, headers: { accept: 'text/html' } });
      if (answer.status === 400) continue; // refused outright: no redirect at all
      assert.equal(answer.status, 303, path);
      const location = String(answer.headers.location);
      const match = /^\/login(?:\?next=([^&]*))?$/.exec(location);
      assert.ok(match, `${path} -> ${location}`);
      if (match[1] !== undefined) assertSameOrigin(decodeURIComponent(match[1]), path);
    }
  });

  test('a path a browser would read as another site gets no next at all', async () => {
    for (const path of ['//evil.example/x', '/%09/evil.example', '/%0A/evil.example']) {
      const answer = await rawRequest(harness.gatewayUrl, { path, headers: { accept: 'text/html' } });
      assert.equal(answer.headers.location, '/login', path);
    }
  });
});
