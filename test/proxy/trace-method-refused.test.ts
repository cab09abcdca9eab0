// Prevents cross-site tracing and tunnelling: TRACE is answered 405 by the gateway (an
// upstream would echo the request, cookies and credentials included), and TRACK or
// CONNECT in any form never reach the upstream either.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawExchange, rawRequest, statusOf } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;
/** TCP connections the upstream accepted: a CONNECT tunnel would show here, not as a request. */
let upstreamConnections = 0;

before(async () => {
  upstream = await startUpstream();
  upstream.server.on('connection', () => upstreamConnections++);
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('TRACE is refused with 405 and echoes nothing', async () => {
  for (const path of ['/', '/app/page?x=1', '/_gateway/healthz']) {
    const res = await rawRequest(gateway.url, {
      method: 'TRACE',
      path,
      headers: { Cookie: 'session=secret-cookie-value', Authorization: 'Basic c2VjcmV0', 'Max-Forwards': '0' },
    });
    assert.equal(res.status, 405, path);
    assert.ok(!res.body.toString().includes('secret'), 'the refusal does not reflect the request');
  }
  assert.equal(upstream.requests.length, 0);
  assert.equal(upstreamConnections, 0);
});

test('TRACK, lower-case trace and CONNECT never reach the upstream', async () => {
  const requests = [
    `TRACK / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    `trace / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    `CONNECT 127.0.0.1:${upstream.port} HTTP/1.1\r\nHost: 127.0.0.1:${upstream.port}\r\n\r\n`,
  ];
  for (const request of requests) {
    const text = await rawExchange(gateway.port, request);
    const status = statusOf(text);
    assert.ok(status === 0 || status === 400 || status === 405, `${request.split(' ')[0]} answered ${status}`);
  }
  assert.equal(upstream.requests.length, 0);
  assert.equal(upstreamConnections, 0);
  const ok = await rawRequest(gateway.url, { path: '/after' });
  assert.equal(ok.status, 200);
});
