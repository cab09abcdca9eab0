// An upstream that cannot be reached gives the client a 502 from the gateway: an HTML page
// for a browser, JSON for a script, an HTTP answer even for a WebSocket handshake; the
// gateway keeps serving, and forwards again as soon as the upstream is back.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawExchange, rawRequest, statusOf } from '../helpers/http-client.js';

let gateway: TestGateway;
let port: number;

before(async () => {
  // A port that nothing listens on: bound, then released.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  gateway = await startTestGateway({ upstream: { url: `http://127.0.0.1:${port}` } });
});
after(async () => {
  await gateway.close();
});

test('a browser gets an HTML 502 page', async () => {
  const res = await rawRequest(gateway.url, {
    path: '/invoices',
    headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
  });
  assert.equal(res.status, 502);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body.toString(), /<html/i);
  assert.ok(res.headers['x-request-id']);
  assert.ok(res.body.toString().includes(String(res.headers['x-request-id'])));
});

test('a script gets JSON', async () => {
  const scripts: Array<Record<string, string>> = [
    { Accept: 'application/json' },
    { 'X-Requested-With': 'XMLHttpRequest' },
  ];
  for (const headers of scripts) {
    const res = await rawRequest(gateway.url, { path: '/api/invoices', headers });
    assert.equal(res.status, 502);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = JSON.parse(res.body.toString()) as { error: string; request_id: string };
    assert.equal(body.error, 'upstream_unavailable');
    assert.equal(body.request_id, res.headers['x-request-id']);
  }
});

test('an upload and a WebSocket handshake get a 502 too', async () => {
  const upload = await rawRequest(gateway.url, {
    method: 'POST',
    path: '/upload',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '10000' },
    body: Buffer.alloc(10_000),
  });
  assert.equal(upload.status, 502);
  const handshake = await rawExchange(
    gateway.port,
    'GET /socket HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  assert.equal(statusOf(handshake), 502);
});

test('the gateway forwards again once the upstream is back', async () => {
  for (let i = 0; i < 5; i++) {
    assert.equal((await rawRequest(gateway.url, { path: '/again' })).status, 502);
  }
  const upstream = http.createServer((_req, res) => res.end('back'));
  await new Promise<void>((resolve) => upstream.listen(port, '127.0.0.1', resolve));
  try {
    const res = await rawRequest(gateway.url, { path: '/again' });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'back');
  } finally {
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
});
