// TLS terminated by the gateway: clients speak HTTPS to it, the upstream is told the
// original scheme, and redirects are rewritten to the https public origin.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const fixture = (name: string) => new URL(`../fixtures/tls/${name}`, import.meta.url).pathname;

let upstream: TestUpstream;
let gateway: TestGateway;
let agent: Agent;

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `${upstream.url}/next?a=%20b` });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ proto: req.headers['x-forwarded-proto'] }));
  });
  gateway = await startTestGateway({
    listen: { tls: { cert_file: fixture('cert.pem'), key_file: fixture('key.pem') } },
    upstream: { url: upstream.url },
  });
  agent = new Agent({ connect: { ca: await readFile(fixture('cert.pem')) } });
});

after(async () => {
  await agent.close();
  await gateway.close();
  await upstream.close();
});

test('the gateway serves HTTPS and tells the upstream the scheme was https', async () => {
  assert.match(gateway.url, /^https:\/\//);
  const res = await request(`${gateway.url}/`, { dispatcher: agent });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(await res.body.json(), { proto: 'https' });
});

test('an upstream redirect to its own origin is rewritten to the https public origin', async () => {
  const res = await request(`${gateway.url}/redirect`, { dispatcher: agent });
  await res.body.dump();
  assert.equal(res.statusCode, 302);
  assert.equal(res.headers.location, `https://127.0.0.1:${gateway.port}/next?a=%20b`);
});
