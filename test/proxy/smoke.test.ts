import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startGatewayProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream();
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

test('in-process gateway forwards', async () => {
  const res = await fetch(`${gateway.url}/hello?x=1`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { url: string };
  assert.equal(body.url, '/hello?x=1');
});

test('child-process gateway forwards and stops with 0', async () => {
  const child = await startGatewayProcess({ upstream: { url: upstream.url } });
  const res = await fetch(`${child.url}/p`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  assert.ok((await child.rss()) > 0);
  assert.equal(await child.stop(), 0);
});
