// Behind a trusted proxy (S7, S11): X-Forwarded-For is read right to left, trusted hops
// skipped, the first untrusted hop is the client; the upstream gets the chain plus the
// peer. A malformed X-Forwarded-For (or -Proto) from a trusted peer is refused with 400,
// never read as "no client address, carry on", and nothing is forwarded.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
let gateway: TestGateway;

before(async () => {
  upstream = await startUpstream();
  // The test client connects from 127.0.0.1, so it plays the trusted proxy.
  gateway = await startTestGateway({ upstream: { url: upstream.url }, trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] });
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

async function forwardedWith(headers: string[]) {
  const res = await rawRequest(gateway.url, { path: '/who', headers });
  assert.equal(res.status, 200, `${JSON.stringify(headers)} answered ${res.status}`);
  return { res, upstreamHeaders: upstream.requests.at(-1)!.headers };
}

test('the client is the first untrusted hop from the right; the upstream gets chain, peer', async () => {
  const cases: Array<{ xff: string[]; client: string; chain: string }> = [
    { xff: ['203.0.113.5'], client: '203.0.113.5', chain: '203.0.113.5, 127.0.0.1' },
    {
      xff: ['198.51.100.1, 203.0.113.5, 10.0.0.2'],
      client: '203.0.113.5',
      chain: '198.51.100.1, 203.0.113.5, 10.0.0.2, 127.0.0.1',
    },
    // Several header lines are one list, in order.
    {
      xff: ['198.51.100.1', '203.0.113.5,10.9.9.9'],
      client: '203.0.113.5',
      chain: '198.51.100.1, 203.0.113.5, 10.9.9.9, 127.0.0.1',
    },
    // Every hop trusted: the farthest one is the client.
    { xff: ['10.1.1.1, 10.2.2.2'], client: '10.1.1.1', chain: '10.1.1.1, 10.2.2.2, 127.0.0.1' },
    // IPv4-mapped IPv6 is folded to IPv4; IPv6 is canonicalised.
    { xff: ['::ffff:203.0.113.9'], client: '203.0.113.9', chain: '203.0.113.9, 127.0.0.1' },
    { xff: ['2001:DB8:0:0::1'], client: '2001:db8::1', chain: '2001:db8::1, 127.0.0.1' },
    // An untrusted hop to the right of a spoofed entry wins.
    { xff: ['127.0.0.1, 203.0.113.7'], client: '203.0.113.7', chain: '127.0.0.1, 203.0.113.7, 127.0.0.1' },
  ];
  for (const { xff, client, chain } of cases) {
    const { upstreamHeaders } = await forwardedWith(xff.flatMap((value) => ['X-Forwarded-For', value]));
    assert.equal(upstreamHeaders['x-real-ip'], client, xff.join(' | '));
    assert.equal(upstreamHeaders['x-forwarded-for'], chain, xff.join(' | '));
  }
});

test('without X-Forwarded-For the trusted peer is the client', async () => {
  const { upstreamHeaders } = await forwardedWith([]);
  assert.equal(upstreamHeaders['x-real-ip'], '127.0.0.1');
  assert.equal(upstreamHeaders['x-forwarded-for'], '127.0.0.1');
});

test('a trusted proxy’s X-Forwarded-Proto and -Host are believed', async () => {
  const { upstreamHeaders } = await forwardedWith([
    'X-Forwarded-For',
    '203.0.113.5',
    'X-Forwarded-Proto',
    'https',
    'X-Forwarded-Host',
    'app.example.com',
  ]);
  assert.equal(upstreamHeaders['x-forwarded-proto'], 'https');
  assert.equal(upstreamHeaders['x-forwarded-host'], 'app.example.com');
});

test('the access log names the resolved client', async () => {
  const { res } = await forwardedWith(['X-Forwarded-For', '198.51.100.77']);
  const id = res.headers['x-request-id'];
  await waitFor('the access log line', () => gateway.logs().some((line) => line.request_id === id));
  const line = gateway.logs().find((entry) => entry.request_id === id)!;
  assert.equal(line.client, '198.51.100.77');
});

test('a malformed X-Forwarded-For from a trusted peer is refused and nothing is forwarded', async () => {
  const forwardedBefore = upstream.requests.length;
  const malformed = [
    ['1.2.3'],
    ['::ffff:zz'],
    ['1.2.3.4:80'],
    ['0x7f.1'],
    ['127.1'],
    ['1.2.3.4,,5.6.7.8'],
    ['1.2.3.4, '],
    [''],
    ['unknown'],
    ['[2001:db8::1]'],
    ['fe80::1%eth0'],
    ['203.0.113.5', 'garbage'],
  ];
  for (const values of malformed) {
    const res = await rawRequest(gateway.url, {
      path: '/who',
      headers: values.flatMap((value) => ['X-Forwarded-For', value]),
    });
    assert.equal(res.status, 400, `${JSON.stringify(values)} answered ${res.status}`);
  }
  const badProto = await rawRequest(gateway.url, {
    path: '/who',
    headers: ['X-Forwarded-For', '203.0.113.5', 'X-Forwarded-Proto', 'javascript'],
  });
  assert.equal(badProto.status, 400);
  assert.equal(upstream.requests.length, forwardedBefore);
});
