// The gateway's own error answers: escaped HTML for people, JSON for scripts, one stable
// code and sentence per failure, and the page security headers on every one of them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { prefersJson, renderError } from '../../src/http/error-page.js';
import { GATEWAY_ERRORS, type GatewayErrorCode } from '../../src/http/errors.js';
import { escapeHtml, PAGE_SECURITY_HEADERS, renderPage } from '../../src/http/html.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

describe('escapeHtml', () => {
  const rows: Array<[text: string, escaped: string]> = [
    ['plain text', 'plain text'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a & b', 'a &amp; b'],
    ['&amp;', '&amp;amp;'],
    ['"double"', '&quot;double&quot;'],
    ["'single'", '&#39;single&#39;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ['<<>>&&', '&lt;&lt;&gt;&gt;&amp;&amp;'],
    ['café ✓ 😀', 'café ✓ 😀'],
    ['', ''],
  ];
  for (const [text, escaped] of rows) {
    test(`${JSON.stringify(text)} -> ${JSON.stringify(escaped)}`, () => {
      assert.equal(escapeHtml(text), escaped);
    });
  }
});

describe('renderPage', () => {
  test('escapes the title, keeps the body as given, links back to the app, loads nothing from elsewhere', () => {
    const page = renderPage('<b>"Title"</b>', '<p>body</p>');
    assert.match(page, /^<!doctype html>/);
    assert.match(page, /<title>&lt;b&gt;&quot;Title&quot;&lt;\/b&gt;<\/title>/);
    assert.ok(page.includes('<main><p>body</p><p class="muted"><a href="/">Back to the app</a></p></main>'));
    assert.match(page, /<meta charset="utf-8">/);
    assert.doesNotMatch(page, /<script|<link|src=|https?:\/\//i);
  });
});

describe('prefersJson', () => {
  const rows: Array<[name: string, headers: Record<string, string>, json: boolean]> = [
    ['no headers: a browser or curl', {}, false],
    ['browser navigation', { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }, false],
    ['fetch asking for JSON', { accept: 'application/json' }, true],
    ['JSON with a vendor type', { accept: 'application/vnd.api+json' }, true],
    ['JSON or anything', { accept: 'application/json, text/plain, */*' }, true],
    ['HTML and JSON: the browser wins', { accept: 'text/html, application/json' }, false],
    ['anything', { accept: '*/*' }, false],
    ['XMLHttpRequest', { 'x-requested-with': 'XMLHttpRequest' }, true],
    ['XMLHttpRequest in any case', { 'x-requested-with': 'xmlhttprequest', accept: 'text/html' }, true],
    ['another X-Requested-With', { 'x-requested-with': 'com.example.app' }, false],
  ];
  for (const [name, headers, json] of rows) {
    test(`${name} -> ${json ? 'JSON' : 'HTML'}`, () => {
      assert.equal(prefersJson(headers), json);
    });
  }
});

describe('renderError', () => {
  const codes = Object.keys(GATEWAY_ERRORS) as GatewayErrorCode[];
  for (const code of codes) {
    test(`${code} renders as HTML and as JSON with status ${GATEWAY_ERRORS[code].status}`, () => {
      const { status, title, message } = GATEWAY_ERRORS[code];
      const html = renderError(code, 'req-42', false);
      assert.equal(html.status, status);
      assert.equal(html.contentType, 'text/html; charset=utf-8');
      assert.ok(html.body.includes(`<h1>${escapeHtml(title)}</h1>`));
      assert.ok(html.body.includes(escapeHtml(message)));
      assert.ok(html.body.includes('req-42'));

      const json = renderError(code, 'req-42', true);
      assert.equal(json.status, status);
      assert.equal(json.contentType, 'application/json; charset=utf-8');
      assert.deepEqual(JSON.parse(json.body), { error: code.toLowerCase(), message, request_id: 'req-42' });
    });
  }

  test('the request id is escaped in HTML and encoded in JSON', () => {
    const id = '<img src=x onerror=alert(1)>"\'&';
    const html = renderError('NOT_FOUND', id, false);
    assert.ok(!html.body.includes('<img'), html.body);
    assert.ok(html.body.includes('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;'));
    const json = renderError('NOT_FOUND', id, true);
    assert.equal((JSON.parse(json.body) as { request_id: string }).request_id, id);
  });

  test('the page says nothing technical: only the fixed sentence', () => {
    const html = renderError('UPSTREAM_UNAVAILABLE', 'r', false);
    assert.doesNotMatch(html.body, /ECONNREFUSED|undici|stack|127\.0\.0\.1/);
  });
});

describe('PAGE_SECURITY_HEADERS', () => {
  test('forbid caching, framing, sniffing, referrers and foreign resources', () => {
    assert.equal(PAGE_SECURITY_HEADERS['cache-control'], 'no-store');
    assert.equal(PAGE_SECURITY_HEADERS['x-content-type-options'], 'nosniff');
    assert.equal(PAGE_SECURITY_HEADERS['x-frame-options'], 'DENY');
    assert.equal(PAGE_SECURITY_HEADERS['referrer-policy'], 'no-referrer');
    const csp = String(PAGE_SECURITY_HEADERS['content-security-policy']);
    for (const directive of ["default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"]) {
      assert.ok(csp.includes(directive), directive);
    }
    assert.ok(!csp.includes('script-src'), 'error pages need no script');
  });

  test('cannot be changed by a caller', () => {
    assert.ok(Object.isFrozen(PAGE_SECURITY_HEADERS));
  });
});

describe('error answers on the wire', () => {
  let upstream: TestUpstream;
  let gateway: TestGateway;
  before(async () => {
    upstream = await startUpstream();
    gateway = await startTestGateway({ upstream: { url: upstream.url } });
  });
  after(async () => {
    await gateway.close();
    await upstream.close();
  });

  const expectSecurityHeaders = (res: Response) => {
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) {
      assert.equal(res.headers.get(name), String(value), name);
    }
  };

  test('a browser gets an HTML page with the security headers and the request id', async () => {
    const res = await fetch(`${gateway.url}/_gateway/no-such-page`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    expectSecurityHeaders(res);
    const id = res.headers.get('x-request-id');
    assert.ok(id);
    const body = await res.text();
    assert.ok(body.includes(id));
    assert.ok(body.includes(GATEWAY_ERRORS.NOT_FOUND.message));
  });

  test('a script gets JSON with the security headers', async () => {
    const res = await fetch(`${gateway.url}/_gateway/no-such-page`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    expectSecurityHeaders(res);
    const body = (await res.json()) as { error: string; request_id: string };
    assert.equal(body.error, 'not_found');
    assert.equal(body.request_id, res.headers.get('x-request-id'));
  });

  test('a refused request target is an error page too, never forwarded', async () => {
    const before = upstream.requests.length;
    const res = await fetch(`${gateway.url}/public%2Fadmin`, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    assert.equal(res.status, 400);
    expectSecurityHeaders(res);
    assert.equal(((await res.json()) as { error: string }).error, 'bad_request_target');
    assert.equal(upstream.requests.length, before);
  });
});
