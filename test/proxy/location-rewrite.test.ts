// A redirect never sends the browser around the gateway: an absolute Location naming the
// upstream's own origin is rewritten to the gateway's public origin (the rest kept byte for
// byte), any other Location passes unchanged, and `rewrite.location: false` turns it off.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/http-client.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let gateway: TestGateway;
let notRewriting: TestGateway;
let withPublicOrigin: TestGateway;
let behindProxy: TestGateway;

before(async () => {
  // The upstream redirects to whatever the X-Location request header asks (bytes as sent).
  upstream = await startUpstream((req, res) => {
    res.writeHead(Number(req.headers['x-status'] ?? 302), { Location: String(req.headers['x-location']) });
    res.end();
  });
  gateway = await startTestGateway({ upstream: { url: upstream.url } });
  notRewriting = await startTestGateway({ upstream: { url: upstream.url, rewrite: { location: false } } });
  withPublicOrigin = await startTestGateway({
    upstream: { url: upstream.url, rewrite: { public_origin: 'https://app.example.com' } },
  });
  behindProxy = await startTestGateway({ upstream: { url: upstream.url }, trusted_proxies: ['127.0.0.1'] });
});
after(async () => {
  for (const g of [gateway, notRewriting, withPublicOrigin, behindProxy]) await g.close();
  await upstream.close();
});

async function locationFrom(target: TestGateway, location: string, headers: string[] = [], status = 302) {
  const res = await rawRequest(target.url, {
    path: '/go',
    headers: ['X-Location', location, 'X-Status', String(status), ...headers],
  });
  assert.equal(res.status, status);
  return res.headers.location;
}

test('a Location naming the upstream origin points at the gateway, query and fragment kept', async () => {
  const up = upstream.url;
  const pub = gateway.url;
  const cases: Array<[string, string]> = [
    [`${up}/next?a=%7E%20&b=caf%C3%A9&c=a+b&d=%2F#frag`, `${pub}/next?a=%7E%20&b=caf%C3%A9&c=a+b&d=%2F#frag`],
    [`${up}`, `${pub}`],
    [`${up}/`, `${pub}/`],
    [`${up}?only=query`, `${pub}?only=query`],
    [`${up}//double//slash;p=1`, `${pub}//double//slash;p=1`],
    [`HTTP://127.0.0.1:${upstream.port}/upper-scheme`, `${pub}/upper-scheme`],
  ];
  for (const [location, expected] of cases) {
    assert.equal(await locationFrom(gateway, location), expected, location);
  }
  for (const status of [201, 301, 303, 307, 308]) {
    assert.equal(await locationFrom(gateway, `${up}/s`, [], status), `${pub}/s`);
  }
});

test('the public origin follows the Host the client used', async () => {
  const location = await locationFrom(gateway, `${upstream.url}/x?y=1`, ['Host', 'public.example:8443']);
  assert.equal(location, 'http://public.example:8443/x?y=1');
});

test('other Locations pass unchanged', async () => {
  const cases = [
    '/relative?x=%20',
    'relative/path',
    'http://other.example/x',
    `https://127.0.0.1:${upstream.port}/other-scheme`,
    `http://127.0.0.1:${upstream.port + 1}/other-port`,
    `http://127.0.0.1:${upstream.port}@evil.example/userinfo-trick`,
    `http://127.0.0.1:${upstream.port}.evil.example/suffix-trick`,
    'mailto:someone@example.com',
  ];
  for (const location of cases) {
    assert.equal(await locationFrom(gateway, location), location);
  }
});

test('rewrite.location: false leaves every Location alone', async () => {
  const location = `${upstream.url}/next?a=%7E`;
  assert.equal(await locationFrom(notRewriting, location), location);
});

test('a configured public origin, or a trusted proxy’s proto and host, are used', async () => {
  assert.equal(await locationFrom(withPublicOrigin, `${upstream.url}/p?q=1`), 'https://app.example.com/p?q=1');
  const viaProxy = await locationFrom(behindProxy, `${upstream.url}/p?q=1`, [
    'X-Forwarded-Proto',
    'https',
    'X-Forwarded-Host',
    'app.example.org',
  ]);
  assert.equal(viaProxy, 'https://app.example.org/p?q=1');
});
