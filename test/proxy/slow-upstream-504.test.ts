// An upstream that accepts the request but does not answer within upstream.timeouts.headers
// gives the client a 504 from the gateway (HTML or JSON), the stalled upstream request is
// abandoned, and the next request is served normally.

import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let gateway: TestGateway;
/** Upstream responses left unanswered, and how many of them saw their connection close. */
const stalled: ServerResponse[] = [];
let stalledClosed = 0;

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url?.startsWith('/fast')) {
      res.end('fast');
      return;
    }
    stalled.push(res);
    res.on('close', () => stalledClosed++);
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url, timeouts: { headers: '300ms' } } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('no answer in time is a 504, as HTML for a browser and JSON for a script', async () => {
  const [html, json] = await Promise.all([
    rawRequest(gateway.url, { path: '/slow', headers: { Accept: 'text/html' } }),
    rawRequest(gateway.url, { path: '/slow', headers: { Accept: 'application/json' } }),
  ]);
  assert.equal(html.status, 504);
  assert.match(String(html.headers['content-type']), /^text\/html/);
  assert.equal(json.status, 504);
  assert.equal((JSON.parse(json.body.toString()) as { error: string }).error, 'upstream_timeout');
});

test('the stalled upstream requests are abandoned', async () => {
  await waitFor('the stalled upstream connections to close', () => stalledClosed === stalled.length);
  assert.equal(stalled.length, 2);
});

test('the access log records the timeout', async () => {
  await waitFor('a 504 access log line', () =>
    gateway.logs().some((line) => line.status === 504 && line.error_code === 'UPSTREAM_TIMEOUT'),
  );
});

test('the next requests are served', async () => {
  for (let i = 0; i < 3; i++) {
    const res = await rawRequest(gateway.url, { path: '/fast' });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'fast');
  }
});
