// A client that goes away mid-download or mid-upload takes the upstream request with it:
// the gateway aborts its upstream request instead of reading or buffering a response
// nobody will receive, and goes on serving.

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
let downloadClosed = false;
let downloadSent = 0;
let uploadClosed = false;
let uploadReceived = 0;

before(async () => {
  upstream = await startUpstream(
    (req, res) => {
      if (req.url === '/download') {
        // An endless download, written as fast as backpressure allows.
        const chunk = Buffer.alloc(64 * 1024, 2);
        const pump = () => {
          while (!res.destroyed && res.write(chunk)) downloadSent += chunk.length;
        };
        res.on('drain', pump);
        res.on('close', () => {
          downloadClosed = true;
        });
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        pump();
        return;
      }
      if (req.url === '/upload') {
        req.on('data', (chunk: Buffer) => {
          uploadReceived += chunk.length;
        });
        res.on('close', () => {
          uploadClosed = true;
        });
        return;
      }
      req.resume();
      res.end('ok');
    },
    { stream: true },
  );
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('a client leaving mid-download aborts the upstream response', async () => {
  const req = http.get(`${gateway.url}/download`, { agent: false });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  let received = 0;
  res.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  await waitFor('part of the download', () => received > 1024 * 1024);
  req.destroy();
  await waitFor('the upstream response to close', () => downloadClosed);
  // Backpressure held the upstream to what the buffers along the way could take.
  assert.ok(downloadSent < 512 * 1024 * 1024, `upstream wrote ${downloadSent} bytes`);
});

test('a client leaving mid-upload aborts the upstream request', async () => {
  const req = http.request(`${gateway.url}/upload`, {
    method: 'POST',
    headers: { 'content-length': String(10 * 1024 * 1024) },
    agent: false,
  });
  req.on('error', () => {});
  req.write(Buffer.alloc(256 * 1024, 3));
  await waitFor('part of the upload at the upstream', () => uploadReceived > 0);
  req.destroy();
  await waitFor('the upstream request to close', () => uploadClosed);
});

test('the gateway goes on serving', async () => {
  const res = await rawRequest(gateway.url, { path: '/ok' });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'ok');
});
