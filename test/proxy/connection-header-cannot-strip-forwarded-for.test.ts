// Prevents a client from using the Connection header to remove what the gateway adds: the
// client's hop-by-hop names are applied to the client's headers before the gateway adds
// X-Forwarded-For, X-Real-IP, X-Forwarded-Proto, X-Forwarded-Host, X-Request-Id and Host,
// so naming them in Connection strips nothing the upstream relies on.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream((_req, res) => {
    // An upstream naming X-Request-Id in Connection does not remove the gateway's either.
    res.writeHead(200, { Connection: 'X-Request-Id', 'X-Request-Id': 'upstream-id' });
    res.end('ok');
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('naming the forwarded headers in Connection does not strip them', async () => {
  const res = await rawRequest(gateway.url, {
    path: '/whoami',
    headers: [
      'Connection',
      'X-Forwarded-For, X-Real-IP, x-forwarded-proto',
      'Connection',
      'X-Forwarded-Host, X-Request-Id, Host, Forwarded',
      'X-Forwarded-For',
      '203.0.113.9',
    ],
  });
  assert.equal(res.status, 200);
  const headers = upstream.requests.at(-1)!.headers;
  assert.equal(headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(headers['x-real-ip'], '127.0.0.1');
  assert.equal(headers['x-forwarded-proto'], 'http');
  assert.equal(headers['x-forwarded-host'], `127.0.0.1:${gateway.port}`);
  assert.equal(headers.host, `127.0.0.1:${upstream.port}`);
  assert.match(String(headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(headers.forwarded, undefined);
});

test('the client still gets the gateway’s request id', async () => {
  const res = await rawRequest(gateway.url, { path: '/id' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-request-id'], upstream.requests.at(-1)!.headers['x-request-id']);
  assert.notEqual(res.headers['x-request-id'], 'upstream-id');
});
