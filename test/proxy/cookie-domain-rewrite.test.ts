// A cookie the upstream scopes to its own internal host would be rejected by the browser
// (or bound to the wrong host): a Set-Cookie Domain naming the upstream host is dropped,
// every other attribute and every other Domain kept byte for byte; `rewrite.cookie_domain:
// false` turns it off.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;
let notRewriting: TestGateway;

const SENT = [
  'a=1; Domain=127.0.0.1; Path=/',
  'b=2; domain=.127.0.0.1',
  'c=3; Path=/; DOMAIN = 127.0.0.1 ; HttpOnly; SameSite=Lax',
  'd=4; Domain=example.com; Path=/',
  'e=5; Path=/app; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Secure',
  'f=domain=127.0.0.1; Path=/',
  'g=6; Domain=127.0.0.10',
];

before(async () => {
  upstream = await startUpstream((_req, res) => {
    res.writeHead(200, [...SENT.map((cookie) => ['Set-Cookie', cookie]), ['Content-Length', '2']]);
    res.end('ok');
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
  notRewriting = await startTestGateway({ upstream: { url: upstream.url, rewrite: { cookie_domain: false } } });
});
after(async () => {
  await gateway.close();
  await notRewriting.close();
  await upstream.close();
});

test('a Domain naming the upstream host is dropped; everything else is kept', async () => {
  const res = await rawRequest(gateway.url, { path: '/login' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.headers['set-cookie'], [
    'a=1; Path=/',
    'b=2',
    'c=3; Path=/; HttpOnly; SameSite=Lax',
    'd=4; Domain=example.com; Path=/',
    'e=5; Path=/app; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Secure',
    'f=domain=127.0.0.1; Path=/',
    'g=6; Domain=127.0.0.10',
  ]);
});

test('rewrite.cookie_domain: false passes every Set-Cookie unchanged', async () => {
  const res = await rawRequest(notRewriting.url, { path: '/login' });
  assert.deepEqual(res.headers['set-cookie'], SENT);
});
