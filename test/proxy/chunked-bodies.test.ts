// Chunked bodies stream through the gateway in both directions: each chunk is passed on
// as it arrives (the other side sees the first before the last is sent), nothing is
// buffered whole, and the bytes arrive intact.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let gateway: TestGateway;

/** What the streaming upstream has received of the current request body so far. */
let received: Buffer[] = [];
/** Lets the test release the upstream's second response chunk once the client saw the first. */
let releaseSecondChunk: (() => void) | undefined;

before(async () => {
  upstream = await startUpstream(
    (req, res) => {
      if (req.url === '/upload') {
        received = [];
        req.on('data', (chunk: Buffer) => received.push(chunk));
        req.on('end', () => res.end(`got ${Buffer.concat(received).length}`));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk;');
      releaseSecondChunk = () => res.end('second chunk');
    },
    { stream: true },
  );
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('a chunked request body streams to the upstream chunk by chunk', async () => {
  const req = http.request(`${gateway.url}/upload`, {
    method: 'POST',
    headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' },
    agent: false,
  });
  const response = once(req, 'response') as Promise<[http.IncomingMessage]>;
  const first = Buffer.alloc(10_000, 1);
  const second = Buffer.from([0, 13, 10, 48, 13, 10, 13, 10, 255]);
  req.write(first);
  // The upstream sees the first chunk while the client has not finished: nothing is buffered whole.
  await waitFor('the first chunk at the upstream', () => Buffer.concat(received).length === first.length);
  req.end(second);
  const [res] = await response;
  res.setEncoding('utf8');
  let text = '';
  for await (const chunk of res) text += chunk;
  assert.equal(res.statusCode, 200);
  assert.equal(text, `got ${first.length + second.length}`);
  assert.deepEqual(Buffer.concat(received), Buffer.concat([first, second]));
  const recorded = upstream.requests.at(-1)!;
  assert.equal(recorded.headers['transfer-encoding'], 'chunked');
  assert.equal(recorded.headers['content-length'], undefined);
});

test('a chunked response streams to the client chunk by chunk', async () => {
  const req = http.get(`${gateway.url}/stream`, { agent: false });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  // The client holds the first chunk while the upstream has not sent the second.
  await waitFor('the first chunk at the client', () => text === 'first chunk;');
  releaseSecondChunk?.();
  await once(res, 'end');
  assert.equal(text, 'first chunk;second chunk');
});
