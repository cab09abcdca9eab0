// The health endpoints: /_gateway/healthz says the process serves (200 whatever the
// upstream does); /_gateway/readyz says whether the upstream accepts connections (200 when
// it does, 503 when it does not), for load balancers and orchestrators.

import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let gateway: TestGateway;
let downGateway: TestGateway;

/** A port that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  upstream = await startUpstream();
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
  downGateway = await startTestGateway({ upstream: { url: `http://127.0.0.1:${await closedPort()}` } });
});
after(async () => {
  await gateway.close();
  await downGateway.close();
  await upstream.close();
});

async function json(url: string, path: string) {
  const res = await rawRequest(url, { path });
  return { status: res.status, type: res.headers['content-type'], body: JSON.parse(res.body.toString()) as unknown };
}

test('healthz is 200 with the upstream up or down', async () => {
  for (const url of [gateway.url, downGateway.url]) {
    const res = await json(url, '/_gateway/healthz');
    assert.equal(res.status, 200);
    assert.match(String(res.type), /^application\/json/);
    assert.deepEqual(res.body, { status: 'ok' });
    const head = await rawRequest(url, { method: 'HEAD', path: '/_gateway/healthz' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  }
});

test('readyz is 200 with the upstream up and 503 with it down', async () => {
  const up = await json(gateway.url, '/_gateway/readyz');
  assert.equal(up.status, 200);
  assert.deepEqual(up.body, { status: 'ready', checks: { config: 'ok', upstream: 'reachable' } });

  const down = await json(downGateway.url, '/_gateway/readyz');
  assert.equal(down.status, 503);
  assert.deepEqual(down.body, { status: 'not ready', checks: { config: 'ok', upstream: 'unreachable' } });
  assert.equal(upstream.requests.length, 0, 'probes are connections, not requests to the app');
});

test('readyz turns 503 once a running upstream goes away', async () => {
  await upstream.close();
  // The probe result is shared for up to a second, so poll rather than expect it at once.
  await waitFor('readyz to report the upstream down', async () => {
    const res = await rawRequest(gateway.url, { path: '/_gateway/readyz' });
    return res.status === 503;
  });
  const healthz = await rawRequest(gateway.url, { path: '/_gateway/healthz' });
  assert.equal(healthz.status, 200);
});
