// An upstream that dies in the middle of a response body leaves the client with a visibly
// truncated response (an error on its side, never a hang and never a "complete" short
// body), and the gateway goes on serving.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/ok') {
      res.end('ok');
      return;
    }
    // Headers and part of the body, then the connection drops.
    const length = req.url === '/chunked' ? undefined : '100000';
    res.writeHead(200, length ? { 'content-length': length } : {});
    res.write(Buffer.alloc(30_000, 1), () => res.socket?.destroy());
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

/** Reads a response through the gateway; resolves with what arrived and how the body ended. */
async function download(path: string): Promise<{ status: number; received: number; outcome: 'end' | 'error' }> {
  const req = http.get(`${gateway.url}${path}`, { agent: false });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let received = 0;
  res.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  const outcome = await new Promise<'end' | 'error'>((resolve) => {
    res.once('end', () => resolve('end'));
    res.once('error', () => resolve('error'));
    res.once('aborted', () => resolve('error'));
  });
  return { status: res.statusCode ?? 0, received, outcome };
}

test('a response with Content-Length ends in an error on the client, short', async () => {
  const result = await download('/fixed');
  assert.equal(result.status, 200);
  assert.equal(result.outcome, 'error');
  assert.ok(result.received < 100_000);
});

test('a chunked response ends in an error on the client, without its last chunk', async () => {
  const result = await download('/chunked');
  assert.equal(result.status, 200);
  assert.equal(result.outcome, 'error');
});

test('the access log marks the request as failed mid-response', async () => {
  await waitFor('the mid-response failure in the access log', () =>
    gateway.logs().some((line) => line.event === 'request' && String(line.error_reason).includes('mid-response')),
  );
});

test('the gateway goes on serving', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await rawRequest(gateway.url, { path: '/ok' });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'ok');
  }
});
