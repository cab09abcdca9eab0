// Hop-by-hop headers (RFC 9110 7.6.1) stop at the gateway in both directions: the fixed
// list (Connection, Keep-Alive, TE, Trailer, Upgrade, Proxy-Connection, Proxy-Authorization,
// Proxy-Authenticate) and every header a Connection header names, in any case.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream((_req, res) => {
    res.writeHead(200, [
      ['Connection', 'X-INTERNAL, x-other'],
      ['Connection', 'x-third'],
      ['X-Internal', 'secret'],
      ['x-other', 'also secret'],
      ['X-Third', 'secret too'],
      ['Keep-Alive', 'timeout=99, max=7'],
      ['Proxy-Authenticate', 'Basic realm="proxy"'],
      ['Proxy-Connection', 'keep-alive'],
      ['Trailer', 'X-Checksum'],
      ['Upgrade', 'h2c'],
      ['X-Kept', 'yes'],
      ['Content-Type', 'text/plain'],
    ]);
    res.end('body');
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

const REQUEST_HOP_HEADERS = [
  'Connection',
  'keep-alive, X-Custom-Hop, x-other-hop',
  'Connection',
  'X-SECOND-LINE',
  'X-Custom-Hop',
  'must not pass',
  'X-Other-Hop',
  'must not pass',
  'x-second-line',
  'must not pass',
  'Keep-Alive',
  'timeout=5, max=100',
  'TE',
  'trailers, deflate',
  'Trailer',
  'X-Checksum',
  'Upgrade',
  'websocket',
  'Proxy-Connection',
  'keep-alive',
  'Proxy-Authorization',
  'Basic cHJveHk6c2VjcmV0',
  'X-End-To-End',
  'passes',
];

test('request hop-by-hop headers and the headers Connection names never reach the upstream', async () => {
  // Trailer needs a chunked body (node:http checks); the body itself passes.
  const res = await rawRequest(gateway.url, {
    method: 'POST',
    path: '/hop',
    headers: [...REQUEST_HOP_HEADERS, 'Transfer-Encoding', 'chunked'],
    body: 'payload',
  });
  assert.equal(res.status, 200);
  const recorded = upstream.requests.at(-1)!;
  const names = recorded.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
  for (const name of [
    'x-custom-hop',
    'x-other-hop',
    'x-second-line',
    'keep-alive',
    'te',
    'trailer',
    'upgrade',
    'proxy-connection',
    'proxy-authorization',
  ]) {
    assert.ok(!names.includes(name), `${name} reached the upstream`);
  }
  // The gateway's own connection to the upstream may say keep-alive; nothing of the client's is left.
  const connection = String(recorded.headers.connection ?? 'keep-alive').toLowerCase();
  assert.equal(connection, 'keep-alive');
  assert.ok(!recorded.rawHeaders.includes('must not pass'));
  assert.ok(!recorded.rawHeaders.some((value) => value.includes('cHJveHk6c2VjcmV0')));
  assert.equal(recorded.headers['x-end-to-end'], 'passes');
  assert.equal(recorded.body.toString(), 'payload');
});

test('hop-by-hop names spelled with underscores, and a Proxy header (httpoxy), never reach the upstream', async () => {
  // A CGI or WSGI app reads Transfer_Encoding as HTTP_TRANSFER_ENCODING and Proxy as HTTP_PROXY,
  // the variable HTTP libraries take for the app's own outgoing proxy.
  const res = await rawRequest(gateway.url, {
    path: '/hop',
    headers: [
      'Proxy_Authorization',
      'Basic cHJveHk6c2VjcmV0',
      'Transfer_Encoding',
      'chunked',
      'Keep_Alive',
      'timeout=5',
      'Proxy',
      'http://attacker.example:8080',
      'PROXY',
      'http://attacker.example:8081',
      'X-End-To-End',
      'passes',
    ],
  });
  assert.equal(res.status, 200);
  const recorded = upstream.requests.at(-1)!;
  const names = recorded.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
  for (const name of ['proxy_authorization', 'transfer_encoding', 'keep_alive', 'proxy']) {
    assert.ok(!names.includes(name), `${name} reached the upstream`);
  }
  assert.ok(!recorded.rawHeaders.some((value) => value.includes('attacker.example')));
  assert.equal(recorded.headers['x-end-to-end'], 'passes');
});

test('response hop-by-hop headers and the headers Connection names never reach the client', async () => {
  const res = await rawRequest(gateway.url, { path: '/hop' });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'body');
  assert.equal(res.headers['x-internal'], undefined);
  assert.equal(res.headers['x-other'], undefined);
  assert.equal(res.headers['x-third'], undefined);
  assert.equal(res.headers['proxy-authenticate'], undefined);
  assert.equal(res.headers['proxy-connection'], undefined);
  assert.equal(res.headers.trailer, undefined);
  assert.equal(res.headers.upgrade, undefined);
  assert.ok(!res.rawHeaders.some((value) => /secret/.test(value)), 'no Connection-named value leaked');
  // Whatever Connection and Keep-Alive the client sees are the gateway's own.
  assert.ok(
    !String(res.headers.connection ?? '')
      .toLowerCase()
      .includes('x-internal'),
  );
  assert.notEqual(res.headers['keep-alive'], 'timeout=99, max=7');
  assert.equal(res.headers['x-kept'], 'yes');
});
