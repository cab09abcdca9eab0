// Prevents path confusion: a request target that the gateway and the upstream could read
// as different routes (NUL, an encoded slash or backslash, a dot segment in any spelling,
// a backslash, a malformed escape, a non-origin form) is answered 400 by the gateway, and
// nothing of it reaches the upstream.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawExchange, rawRequest, statusOf } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

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

const AMBIGUOUS = [
  // NUL ends a string in C and in many path APIs.
  '/a%00b',
  '/%00',
  '/file.php%00.png',
  // An encoded separator is a separator to some servers and a name character to others.
  '/a%2Fb',
  '/a%2fb',
  '/%2F%2Fadmin',
  '/a%5Cb',
  '/a%5cb',
  // Dot segments, plain, encoded and with ";params" (Tomcat reads "..;" as "..").
  '/a/../b',
  '/a/./b',
  '/..',
  '/.',
  '/a/..',
  '/a/.',
  '/%2e%2e/',
  '/%2E%2E/etc/passwd',
  '/a/%2e/b',
  '/a/.%2e/b',
  '/a/%2e./b',
  '/a/..;/b',
  '/a/..;x=1/b',
  '/a/.;/b',
  '//../b',
  // Backslash is a separator on Windows servers and to URL parsers in "special" schemes.
  '/a\\b',
  '/\\evil.example/',
  '/a/..\\b',
  // A malformed escape has no single meaning.
  '/a%zz',
  '/a%2',
  '/%',
  '/a%G0',
  // Only origin-form is accepted: the authority in an absolute form could differ from Host.
  'http://127.0.0.1/x',
  'https://other.example/admin',
  '*',
];

test('ambiguous request targets are refused with 400 and never forwarded', async () => {
  for (const path of AMBIGUOUS) {
    const res = await rawRequest(gateway.url, { path });
    assert.equal(res.status, 400, `${path} answered ${res.status}`);
    assert.ok(res.headers['x-request-id'], `${path} answer carries a request id`);
  }
  assert.deepEqual(
    upstream.requests.map((request) => request.url),
    [],
  );
});

test('the refusal is JSON for a script and HTML for a browser', async () => {
  const json = await rawRequest(gateway.url, { path: '/a/../b', headers: { Accept: 'application/json' } });
  assert.equal(json.status, 400);
  assert.match(String(json.headers['content-type']), /^application\/json/);
  assert.equal((JSON.parse(json.body.toString()) as { error: string }).error, 'bad_request_target');
  const html = await rawRequest(gateway.url, { path: '/a/../b', headers: { Accept: 'text/html' } });
  assert.equal(html.status, 400);
  assert.match(String(html.headers['content-type']), /^text\/html/);
  assert.equal(upstream.requests.length, 0);
});

test('request lines node:http would not write are refused as well', async () => {
  const lines = [
    'GET /a#fragment HTTP/1.1',
    'GET /a/../b?x=1 HTTP/1.1',
    'OPTIONS * HTTP/1.1',
    'GET http://127.0.0.1/x HTTP/1.1',
    'GET /a\x00b HTTP/1.1',
    'GET /a b HTTP/1.1',
    'GET a/b HTTP/1.1',
    'GET /a\tb HTTP/1.1',
  ];
  for (const line of lines) {
    const text = await rawExchange(gateway.port, `${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf(text), 400, `${JSON.stringify(line)} answered ${text.slice(0, 40)}`);
  }
  assert.equal(upstream.requests.length, 0);
});

test('after the refusals, ordinary paths are still forwarded', async () => {
  const res = await rawRequest(gateway.url, { path: '/a/b...c/.well-known/x?p=../..' });
  assert.equal(res.status, 200);
  assert.deepEqual(
    upstream.requests.map((request) => request.url),
    ['/a/b...c/.well-known/x?p=../..'],
  );
});
