// Live reload of gateway.yaml in a running gateway: a valid edit applies to the next request,
// even on a connection that is already open; an invalid edit is logged and ignored, the last
// good configuration keeps serving, and readiness says the file on disk is not the one in force.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { type GatewayProcess, startGatewayProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

interface Answer {
  status: number;
  body: string;
  /** The client side of the TCP connection: the same port means the same connection. */
  localPort: number;
  reusedSocket: boolean;
}

let first: TestUpstream;
let second: TestUpstream;
let gateway: GatewayProcess;
// One keep-alive connection, reused by every request of this file.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** The configuration file's content for an upstream (listen as the helper first wrote it). */
const configFor = (url: string) => ({ listen: { host: '127.0.0.1', port: 0 }, upstream: { url } });

function get(path: string): Promise<Answer> {
  const url = new URL(path, gateway.url);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          localPort: req.socket?.localPort ?? 0,
          reusedSocket: req.reusedSocket,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** The log lines of the gateway process with the given event. */
function events(name: string): Array<Record<string, unknown>> {
  return gateway
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === name);
}

async function readiness(): Promise<{ status: number; body: { status: string; checks: Record<string, string> } }> {
  const answer = await get('/_gateway/readyz');
  return { status: answer.status, body: JSON.parse(answer.body) };
}

before(async () => {
  first = await startUpstream((_req, res) => res.end('first'));
  second = await startUpstream((_req, res) => res.end('second'));
  gateway = await startGatewayProcess(configFor(first.url));
});
after(async () => {
  agent.destroy();
  await gateway?.stop();
  await first?.close();
  await second?.close();
});

test('a valid edit changing upstream.url applies to the next request on the same keep-alive connection', async () => {
  const before = await get('/who');
  assert.equal(before.body, 'first');
  assert.equal((await readiness()).body.checks.config, 'ok');

  await gateway.writeConfig(configFor(second.url));
  let last = before;
  await waitFor('a response from the second upstream', async () => {
    last = await get('/who');
    return last.body === 'second';
  });
  assert.equal(last.status, 200);
  assert.equal(last.reusedSocket, true, 'the answer came on a new connection');
  assert.equal(last.localPort, before.localPort, 'the answer came on a new connection');
  // Log lines are written in batches (at most half a second late).
  await waitFor('the config.reloaded log line', () => events('config.reloaded').length >= 1);
  assert.ok(second.requests.some((request) => request.url === '/who'));
  assert.equal((await readiness()).body.checks.config, 'ok');
});

test('an invalid edit is logged with its errors and the last good configuration keeps serving', async () => {
  const rejectedBefore = events('config.rejected').length;
  await gateway.writeConfig(
    ['listen:', '  host: 127.0.0.1', '  port: 0', 'upstream:', `  url: ${first.url}/app`, '  colour: blue', ''].join(
      '\n',
    ),
  );
  await waitFor('config.rejected in the log', () => events('config.rejected').length > rejectedBefore);

  const rejected = events('config.rejected').at(-1) as { errors: string[]; level: string; file: string };
  assert.equal(rejected.level, 'error');
  assert.equal(rejected.file, gateway.configFile);
  assert.deepEqual(rejected.errors, [
    'upstream.url: must be an origin (scheme, host and port) without a path (line 5)',
    'upstream.colour: unknown key (line 6)',
  ]);

  // The last good configuration (the second upstream) is still the one in force.
  const answer = await get('/who');
  assert.equal(answer.body, 'second');
  const ready = await readiness();
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, {
    status: 'ready',
    checks: { config: 'last good kept (file invalid)', upstream: 'reachable' },
  });
  assert.equal(gateway.child.exitCode, null, 'the gateway must keep running');
});

test('an edit that is not even YAML is refused the same way', async () => {
  const rejectedBefore = events('config.rejected').length;
  await gateway.writeConfig('upstream:\n  url: [unclosed\n');
  await waitFor('config.rejected in the log', () => events('config.rejected').length > rejectedBefore);
  assert.equal((await get('/who')).body, 'second');
  assert.equal((await readiness()).body.checks.config, 'last good kept (file invalid)');
});

test('fixing the file applies again and readiness says so', async () => {
  await gateway.writeConfig(configFor(first.url));
  await waitFor('a response from the first upstream again', async () => (await get('/who')).body === 'first');
  await waitFor('readiness reporting the file in force', async () => (await readiness()).body.checks.config === 'ok');
  const ready = await readiness();
  assert.equal(ready.status, 200);
  assert.equal(ready.body.status, 'ready');
});
