// HEAD answers and 204/304 statuses carry no body through the gateway, whatever length
// headers the upstream sent, so the client connection stays correctly framed for the
// next request on it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawExchange, rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream((req, res) => {
    switch (req.url) {
      case '/file':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000', etag: '"f1"' });
        res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1000));
        return;
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part one,');
        res.end(req.method === 'HEAD' ? undefined : 'part two');
        return;
      case '/no-content':
        res.writeHead(204, { 'x-kind': 'no-content' });
        res.end();
        return;
      case '/not-modified':
        res.writeHead(304, { etag: '"f1"', 'cache-control': 'max-age=60' });
        res.end();
        return;
      default:
        res.end(`after ${req.method} ${req.url}`);
    }
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('HEAD keeps the length headers and sends no body', async () => {
  const res = await rawRequest(gateway.url, { method: 'HEAD', path: '/file' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], '1000');
  assert.equal(res.headers.etag, '"f1"');
  assert.equal(res.body.length, 0);
  assert.equal(upstream.requests.at(-1)?.method, 'HEAD');
});

test('204 and 304 pass with their headers and no body', async () => {
  const noContent = await rawRequest(gateway.url, { path: '/no-content' });
  assert.equal(noContent.status, 204);
  assert.equal(noContent.headers['x-kind'], 'no-content');
  assert.equal(noContent.body.length, 0);

  const notModified = await rawRequest(gateway.url, {
    path: '/not-modified',
    headers: { 'If-None-Match': '"f1"' },
  });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.etag, '"f1"');
  assert.equal(notModified.body.length, 0);
  assert.equal(upstream.requests.at(-1)?.headers['if-none-match'], '"f1"');
});

test('bodiless answers leave a kept-alive connection framed for the next request', async () => {
  const host = `Host: 127.0.0.1:${gateway.port}\r\n`;
  const text = await rawExchange(
    gateway.port,
    `HEAD /file HTTP/1.1\r\n${host}\r\n` +
      `HEAD /chunked HTTP/1.1\r\n${host}\r\n` +
      `GET /no-content HTTP/1.1\r\n${host}\r\n` +
      `GET /not-modified HTTP/1.1\r\n${host}\r\n` +
      `GET /last HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
  );
  const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((match) => Number(match[1]));
  assert.deepEqual(statuses, [200, 200, 204, 304, 200]);
  assert.ok(!text.includes('xxxx'), 'no HEAD body was sent');
  assert.ok(!text.includes('part'), 'no HEAD body was sent for a chunked answer');
  assert.ok(text.endsWith('after GET /last'), text);
});
