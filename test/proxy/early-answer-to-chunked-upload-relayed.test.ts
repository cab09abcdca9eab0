// An upstream that answers before reading a chunked request body (a 415 for an upload it will
// not take) has its answer relayed to the client, not replaced by a 502 because the rest of
// the body could no longer be written to it (EPIPE, ECONNRESET) (issue 13).

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream(
    (_req, res) => {
      // Refuses at once, without reading a byte of the body, and closes the connection.
      res.writeHead(415, { 'content-type': 'text/plain', connection: 'close' });
      res.end('unsupported upload');
    },
    { stream: true },
  );
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

/** Posts a chunked body of `chunks` chunks of 64 KiB, written as fast as the socket takes them. */
function postChunked(chunks: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gateway.url}/upload`, {
      method: 'POST',
      agent: false,
      headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/x-unknown' },
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
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const write = () => {
      while (sent < chunks) {
        sent++;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

test("the upstream's early answer to a chunked upload reaches the client, every time", async () => {
  for (let round = 0; round < 20; round++) {
    assert.deepEqual(await postChunked(64), { status: 415, text: 'unsupported upload' }, `round ${round}`);
  }
});
