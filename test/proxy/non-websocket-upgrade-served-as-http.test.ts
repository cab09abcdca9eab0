// Node hands every request carrying "Connection: Upgrade" to the upgrade handler, which
// proxies WebSockets only. Prevents any other upgrade (h2c, as curl --http2 asks on http://
// URLs, or a WebSocket handshake by POST) from getting its connection dropped: the Upgrade is
// ignored, as RFC 9110 7.8 allows, and the request is served as plain HTTP, body and
// keep-alive included.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let gateway: TestGateway;
const sockets: net.Socket[] = [];

before(async () => {
  upstream = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' });
    res.end('body');
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await gateway.close();
  await upstream.close();
});

test('an Upgrade the gateway does not proxy is ignored and the request served as plain HTTP', async () => {
  // RFC 9110 7.8: a server may ignore Upgrade. curl --http2 sends exactly this on http:// URLs.
  const res = await rawRequest(gateway.url, {
    path: '/h2c',
    headers: ['Connection', 'Upgrade, HTTP2-Settings', 'Upgrade', 'h2c', 'HTTP2-Settings', 'AAMAAABkAARAAAAAAAIAAAAA'],
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'body');
  const recorded = upstream.requests.at(-1)!;
  assert.equal(recorded.url, '/h2c');
  assert.equal(recorded.headers.upgrade, undefined);
  assert.equal(recorded.headers['http2-settings'], undefined);
});

test('an ignored Upgrade keeps the body and the connection usable for the next request', async () => {
  const socket = net.connect(gateway.port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  const host = `Host: 127.0.0.1:${gateway.port}\r\n`;
  socket.write(
    `POST /h2c-body HTTP/1.1\r\n${host}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n` +
      `HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nContent-Length: 5\r\n\r\nhello`,
  );
  const answers = () => text.split('body').length - 1;
  await waitFor('the first answer', () => answers() === 1);
  // WebSocket handshakes are GET only (RFC 6455 4.1): a POST asking for one is a plain POST.
  socket.write(
    `POST /ws-by-post HTTP/1.1\r\n${host}Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 3\r\n\r\nabc`,
  );
  await waitFor('the second answer', () => answers() === 2);
  socket.write(`GET /next HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
  await once(socket, 'close');
  assert.deepEqual(
    [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1])),
    [200, 200, 200],
  );
  assert.deepEqual(
    upstream.requests.slice(-3).map((request) => [request.method, request.url, request.body.toString()]),
    [
      ['POST', '/h2c-body', 'hello'],
      ['POST', '/ws-by-post', 'abc'],
      ['GET', '/next', ''],
    ],
  );
  assert.ok(upstream.requests.slice(-3).every((request) => request.headers.upgrade === undefined));
});
