// The upstream receives the client's method, path, query and headers exactly as sent:
// no decoding, no slash merging, no ";params" stripping, no header folding or reordering.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream((_req, res) => res.end('ok'));
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

/** Sends one request and returns what the upstream recorded for it. */
async function forwarded(path: string, method = 'GET', headers?: string[]) {
  const forwardedBefore = upstream.requests.length;
  const res = await rawRequest(gateway.url, { method, path, headers });
  assert.equal(res.status, 200, `${method} ${path} answered ${res.status}: ${res.body}`);
  assert.equal(upstream.requests.length, forwardedBefore + 1);
  return upstream.requests.at(-1)!;
}

const TARGETS = [
  '/',
  '/plain/path',
  '/%7E/%20/caf%C3%A9/%41%42',
  '/~user/caf%c3%a9',
  '//a//b',
  '///triple///slashes/',
  '/a;jsessionid=XYZ/b;v=1,2',
  '/trailing/slash/',
  "/sub-delims/!$&'()*+,;=:@",
  '/not/dot/segments/.hidden/..name/.../a.',
  '/empty-query?',
  '/query?a=1&a=2&b=%7E%20%C3%A9&c=a+b&d=/../&e=%2F%5C%00&f=?&g',
  '/unicode-query?q=caf%C3%A9&emoji=%F0%9F%98%80',
];

test('paths and queries reach the upstream byte for byte', async () => {
  for (const target of TARGETS) {
    const recorded = await forwarded(target);
    assert.equal(recorded.url, target);
  }
});

test('a long query string is forwarded whole', async () => {
  const target = `/search?${Array.from({ length: 600 }, (_, i) => `k${i}=v%20${i}`).join('&')}`;
  assert.ok(target.length > 6_000);
  const recorded = await forwarded(target);
  assert.equal(recorded.url, target);
});

test('every method is forwarded as sent', async () => {
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'MKCOL', 'REPORT']) {
    const recorded = await forwarded('/m', method);
    assert.equal(recorded.method, method);
  }
});

test('end-to-end headers are forwarded with their case, order, duplicates and bytes', async () => {
  // Header values are bytes (latin1 strings in Node); a UTF-8 value must arrive as the same bytes.
  const utf8Value = Buffer.from('naïve café ☕', 'utf8').toString('latin1');
  const recorded = await forwarded('/h', 'GET', [
    'X-Custom-Header',
    'first value',
    'x-multi',
    'one',
    'X-Multi',
    'two',
    'Accept',
    'text/html, application/json;q=0.9',
    'Cookie',
    'a=1; b=2',
    'Authorization',
    'Bearer abc.def',
    'X-Utf8',
    utf8Value,
    'X-Empty',
    '',
    'User-Agent',
    'test-agent/1.0',
  ]);
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < recorded.rawHeaders.length; i += 2) {
    pairs.push([recorded.rawHeaders[i]!, recorded.rawHeaders[i + 1]!]);
  }
  const sent = pairs.filter(([name]) =>
    ['x-custom-header', 'x-multi', 'accept', 'cookie', 'authorization', 'x-utf8', 'x-empty', 'user-agent'].includes(
      name.toLowerCase(),
    ),
  );
  assert.deepEqual(sent, [
    ['X-Custom-Header', 'first value'],
    ['x-multi', 'one'],
    ['X-Multi', 'two'],
    ['Accept', 'text/html, application/json;q=0.9'],
    ['Cookie', 'a=1; b=2'],
    ['Authorization', 'Bearer abc.def'],
    ['X-Utf8', utf8Value],
    ['X-Empty', ''],
    ['User-Agent', 'test-agent/1.0'],
  ]);
  assert.equal(Buffer.from(recorded.headers['x-utf8'] as string, 'latin1').toString('utf8'), 'naïve café ☕');
});

test('a request body and its Content-Type are forwarded unchanged', async () => {
  const body = Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10, 0x25, 0x30, 0x30]);
  const res = await rawRequest(gateway.url, {
    method: 'POST',
    path: '/upload?x=%20',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.length) },
    body,
  });
  assert.equal(res.status, 200);
  const recorded = upstream.requests.at(-1)!;
  assert.equal(recorded.url, '/upload?x=%20');
  assert.equal(recorded.headers['content-type'], 'application/octet-stream');
  assert.equal(recorded.headers['content-length'], String(body.length));
  assert.deepEqual(recorded.body, body);
});
