// Prevents the gateway's own paths from reaching the app: everything under the prefix
// (/_gateway), in every spelling the upstream might route the same way, is answered by the
// gateway itself; an unknown gateway path is a 404, never a forward.

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

test('every spelling of the prefix is answered by the gateway', async () => {
  const cases: Array<[string, number]> = [
    ['/_gateway', 404],
    ['/_gateway/', 404],
    ['/_gateway/unknown', 404],
    ['/_gateway/login?next=/x', 404],
    ['/_GATEWAY/', 404],
    ['/_Gateway/unknown', 404],
    ['//_gateway/', 404],
    ['//_gateway//unknown', 404],
    ['/%5Fgateway/x', 404],
    ['/%5fgateway/x', 404],
    ['/%5F%67ateway/x', 404],
    ['/_gateway;jsessionid=1/x', 404],
    ['/_gateway/healthz', 200],
    ['/_GATEWAY/HEALTHZ', 200],
    ['//_gateway//healthz/', 200],
    ['/%5Fgateway/healthz', 200],
    ['/_gateway/healthz;x', 200],
  ];
  for (const [path, status] of cases) {
    const res = await rawRequest(gateway.url, { path });
    assert.equal(res.status, status, `${path} answered ${res.status}`);
  }
  assert.deepEqual(upstream.requests, []);
});

test('methods other than GET and HEAD on a gateway path are not forwarded either', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const res = await rawRequest(gateway.url, { method, path: '/_gateway/healthz', body: 'x' });
    assert.equal(res.status, 404, method);
  }
  assert.deepEqual(upstream.requests, []);
});

test('a WebSocket upgrade under the prefix is refused, not forwarded', async () => {
  const text = await rawExchange(
    gateway.port,
    'GET /_gateway/socket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  assert.equal(statusOf(text), 404);
  assert.deepEqual(upstream.requests, []);
});

test('paths that only start with the same letters are the app’s', async () => {
  for (const path of ['/_gatewayx', '/_gateway-admin/x', '/x/_gateway/healthz']) {
    const res = await rawRequest(gateway.url, { path });
    assert.equal(res.status, 200, path);
  }
  assert.deepEqual(
    upstream.requests.map((request) => request.url),
    ['/_gatewayx', '/_gateway-admin/x', '/x/_gateway/healthz'],
  );
});
