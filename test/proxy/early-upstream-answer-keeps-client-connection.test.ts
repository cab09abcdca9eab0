// Prevents an upstream that answers before it has read the whole request body (a 413, a
// 401, a redirect, or simply a quick answer) from breaking the client's connection: the
// answer reaches the client whole, and the next request on the same kept-alive connection
// is served, instead of failing with a reset or hanging.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;
/** One kept-alive connection, so every request follows the previous one on the same socket. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let clientSockets = 0;

before(async () => {
  upstream = await startUpstream(
    (req, res) => {
      if (req.url === '/too-large') {
        // Refuses at once without reading the body.
        res.writeHead(413, { 'content-type': 'text/plain' });
        res.end('too large');
        return;
      }
      // Reads the body, but answers without waiting for it.
      req.resume();
      res.end('quick');
    },
    { stream: true },
  );
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  agent.destroy();
  await gateway.close();
  await upstream.close();
});

function post(path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gateway.url}${path}`, {
      method: 'POST',
      agent,
      headers: { 'content-length': String(body.length), 'content-type': 'application/octet-stream' },
    });
    req.on('socket', (socket) => {
      if (!(socket as { counted?: boolean }).counted) {
        (socket as { counted?: boolean }).counted = true;
        clientSockets++;
      }
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.end(body);
  });
}

test('early answers reach the client and the connection serves the next request', async () => {
  const body = Buffer.alloc(1024 * 1024, 5);
  for (let i = 0; i < 20; i++) {
    const quick = await post('/quick', body);
    assert.deepEqual(quick, { status: 200, text: 'quick' }, `round ${i}`);
    const refused = await post('/too-large', body);
    assert.deepEqual(refused, { status: 413, text: 'too large' }, `round ${i}`);
  }
  // The client's connection survived: Node's agent opens another only after a close (one
  // spare for a keep-alive timeout on a stalled machine; closing after each early answer would be 21).
  assert.ok(clientSockets <= 2, `${clientSockets} client connections for 40 requests`);
});
