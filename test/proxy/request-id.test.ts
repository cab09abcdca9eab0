// Every request has one id, the same in the upstream request, the client response and the
// access log line: generated when absent, kept when a trusted proxy sent a valid one,
// replaced when an untrusted client (or a trusted one, malformed) sent one.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let untrusting: TestGateway;
let trusting: TestGateway;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

before(async () => {
  upstream = await startUpstream();
  untrusting = await startTestGateway({ upstream: { url: upstream.url } });
  trusting = await startTestGateway({ upstream: { url: upstream.url }, trusted_proxies: ['127.0.0.1'] });
});
after(async () => {
  await untrusting.close();
  await trusting.close();
  await upstream.close();
});

/** Sends a request and returns the id the client saw, after checking the upstream and the log saw the same. */
async function idOf(gateway: TestGateway, path: string, offered?: string, forwarded = true): Promise<string> {
  const forwardedBefore = upstream.requests.length;
  const res = await rawRequest(gateway.url, { path, headers: offered === undefined ? [] : ['X-Request-Id', offered] });
  const id = res.headers['x-request-id'];
  assert.equal(typeof id, 'string');
  if (forwarded) {
    assert.equal(upstream.requests.length, forwardedBefore + 1);
    assert.equal(upstream.requests.at(-1)!.headers['x-request-id'], id);
  } else {
    assert.equal(upstream.requests.length, forwardedBefore);
  }
  await waitFor('the access log line', () =>
    gateway.logs().some((line) => line.event === 'request' && line.request_id === id),
  );
  const line = gateway.logs().find((entry) => entry.request_id === id)!;
  assert.equal(line.status, res.status);
  return id as string;
}

test('an id is generated when none was sent, and differs per request', async () => {
  const first = await idOf(untrusting, '/a');
  const second = await idOf(untrusting, '/a');
  assert.match(first, UUID);
  assert.match(second, UUID);
  assert.notEqual(first, second);
});

test('an id tells a client nothing about the requests of others: no part is shared or counted', async () => {
  // A per-process prefix with a counter would tell anyone who makes two requests how many the
  // gateway served in between (the app's traffic). Random ids share a group of 8 hex digits
  // with a chance of 1 in 2^32.
  const ids = [await idOf(untrusting, '/c'), await idOf(untrusting, '/c'), await idOf(untrusting, '/c')];
  const groups = ids.map((id) => id.split('-'));
  for (const at of [0, 4]) {
    const values = new Set(groups.map((group) => group[at]));
    assert.equal(values.size, ids.length, `ids share their group ${at}: ${ids.join(' ')}`);
  }
});

test('an untrusted client’s id is replaced', async () => {
  const id = await idOf(untrusting, '/b', 'client-chosen-id');
  assert.match(id, UUID);
});

test('a trusted proxy’s valid id is kept', async () => {
  assert.equal(await idOf(trusting, '/c', 'lb-7f3a.1:abc_DEF-9'), 'lb-7f3a.1:abc_DEF-9');
});

test('a trusted proxy’s malformed id is replaced', async () => {
  for (const offered of ['has space', '<script>', 'x'.repeat(200), 'semi;colon', '']) {
    const id = await idOf(trusting, '/d', offered);
    assert.match(id, UUID, JSON.stringify(offered));
  }
});

test('the gateway’s own answers carry the id too', async () => {
  for (const path of ['/_gateway/healthz', '/_gateway/nothing', '/a/../b']) {
    const id = await idOf(untrusting, path, 'client-chosen-id', false);
    assert.match(id, UUID, path);
  }
});
