// An upload sent with "Expect: 100-continue" works through the gateway: the client is told
// to continue, sends its body, and the upstream receives the whole body (without the
// Expect header, which belongs to the client's hop).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let gateway: TestGateway;
const sockets: net.Socket[] = [];

before(async () => {
  upstream = await startUpstream((_req, res, recorded) => res.end(`stored ${recorded.body.length}`));
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await gateway.close();
  await upstream.close();
});

test('the client gets 100 Continue before it sends, then the upstream gets the body', async () => {
  const socket = net.connect(gateway.port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  const body = 'a'.repeat(5_000);
  socket.write(
    `PUT /upload HTTP/1.1\r\nHost: 127.0.0.1:${gateway.port}\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
  );
  await waitFor('100 Continue', () => text.includes('\r\n\r\n'));
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  socket.write(body);
  await once(socket, 'close');
  assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.ok(text.endsWith(`stored ${body.length}`), text);
  const recorded = upstream.requests.at(-1)!;
  assert.equal(recorded.method, 'PUT');
  assert.equal(recorded.body.toString(), body);
  assert.equal(recorded.headers.expect, undefined);
});

test('node:http clients waiting for 100 Continue complete a large upload', async () => {
  const body = Buffer.alloc(2 * 1024 * 1024, 7);
  const req = http.request(`${gateway.url}/big-upload`, {
    method: 'POST',
    headers: { 'content-length': String(body.length), expect: '100-continue' },
    agent: false,
  });
  let continued = false;
  req.on('continue', () => {
    continued = true;
    req.end(body);
  });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let text = '';
  for await (const chunk of res) text += chunk;
  assert.ok(continued);
  assert.equal(res.statusCode, 200);
  assert.equal(text, `stored ${body.length}`);
  assert.deepEqual(upstream.requests.at(-1)?.body, body);
});
