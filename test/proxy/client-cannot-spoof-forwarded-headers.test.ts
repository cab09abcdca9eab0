// Prevents identity and routing spoofing by an untrusted client (S7, S8): whatever it sends
// as X-Forwarded-For, X-Real-IP, X-Forwarded-Proto/-Host/-Port, Forwarded or X-Request-Id,
// in any case and with "_" for "-", the upstream sees only the gateway's values; method and
// URL override headers never reach it; a malformed X-Forwarded-For is ignored, not refused.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
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

const SPOOFED = [
  'X-Forwarded-For',
  '198.51.100.1',
  'x-forwarded-FOR',
  '198.51.100.2',
  'X_Forwarded_For',
  '198.51.100.3',
  'x_forwarded_for',
  '198.51.100.4',
  'X-Real-IP',
  '198.51.100.5',
  'X_Real_Ip',
  '198.51.100.6',
  'X-Forwarded-Proto',
  'https',
  'X_FORWARDED_PROTO',
  'https',
  'X-Forwarded-Host',
  'evil.example',
  'x_forwarded_host',
  'evil.example',
  'X-Forwarded-Port',
  '8443',
  'Forwarded',
  'for=198.51.100.7;proto=https;host=evil.example',
  'X-Request-Id',
  'attacker-chosen-id',
  'X_Request_ID',
  'attacker-chosen-id-2',
  'X-HTTP-Method-Override',
  'DELETE',
  'X_HTTP_Method_Override',
  'DELETE',
  'X-HTTP-Method',
  'PUT',
  'X-Method-Override',
  'PATCH',
  'X-Original-Method',
  'DELETE',
  'X-Original-URL',
  '/admin/delete-all',
  'x_original_url',
  '/admin',
  'X-Rewrite-URL',
  '/admin/delete-all',
];

/** Every value the upstream received under a name that normalises (case, "_") to `name`. */
function valuesOf(rawHeaders: string[], name: string): string[] {
  return rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase().replaceAll('_', '-') === name);
}

test('spoofed forwarding, identity and override headers are replaced or dropped', async () => {
  const res = await rawRequest(gateway.url, { method: 'POST', path: '/account', headers: SPOOFED, body: 'x' });
  assert.equal(res.status, 200);
  const recorded = upstream.requests.at(-1)!;
  const raw = recorded.rawHeaders;
  assert.equal(recorded.method, 'POST');
  assert.equal(recorded.url, '/account');
  assert.deepEqual(valuesOf(raw, 'x-forwarded-for'), ['127.0.0.1']);
  assert.deepEqual(valuesOf(raw, 'x-real-ip'), ['127.0.0.1']);
  assert.deepEqual(valuesOf(raw, 'x-forwarded-proto'), ['http']);
  assert.deepEqual(valuesOf(raw, 'x-forwarded-host'), [`127.0.0.1:${gateway.port}`]);
  assert.deepEqual(valuesOf(raw, 'x-forwarded-port'), []);
  assert.deepEqual(valuesOf(raw, 'forwarded'), []);
  const ids = valuesOf(raw, 'x-request-id');
  assert.equal(ids.length, 1);
  assert.ok(!ids[0]!.startsWith('attacker'));
  for (const name of [
    'x-http-method-override',
    'x-http-method',
    'x-method-override',
    'x-original-method',
    'x-original-url',
    'x-rewrite-url',
  ]) {
    assert.deepEqual(valuesOf(raw, name), [], `${name} reached the upstream`);
  }
  assert.ok(!raw.some((value) => value.includes('198.51.100.') || value.includes('evil.example')));
  assert.equal(res.headers['x-request-id'], ids[0]);
});

test('a malformed X-Forwarded-For from an untrusted client is ignored, not refused', async () => {
  for (const value of ['1.2.3', '::ffff:zz', '1.2.3.4:80', '0x7f.1', '1.2.3.4,,5.6.7.8', '', 'unknown', '1.2.3.4, ']) {
    const res = await rawRequest(gateway.url, { path: '/page', headers: ['X-Forwarded-For', value] });
    assert.equal(res.status, 200, JSON.stringify(value));
    assert.deepEqual(valuesOf(upstream.requests.at(-1)!.rawHeaders, 'x-forwarded-for'), ['127.0.0.1']);
  }
});
