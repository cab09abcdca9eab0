// SIGTERM stops the gateway process gracefully: it stops accepting connections at once,
// lets requests in flight finish, and exits 0; a request slower than listen.shutdown_grace
// is cut when the grace runs out, and the process still exits 0.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { type GatewayProcess, startGatewayProcess } from '../helpers/process.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

let upstream: TestUpstream;
/** Finishes the upstream's answers to /slow, held until the test says so. */
const held: Array<() => void> = [];
const processes: GatewayProcess[] = [];

before(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('slow answer, ');
      held.push(() => res.end('finished'));
      return;
    }
    if (req.url === '/never') return;
    res.end('ok');
  });
});
after(async () => {
  for (const child of processes) {
    await child.stop('SIGKILL');
    // stop() leaves the configuration folder behind when the process had already exited.
    await rm(dirname(child.configFile), { recursive: true, force: true });
  }
  await upstream.close();
});

/** Whether a TCP connection to the port is refused (nothing listens any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Starts a request and resolves once its response headers are in; the body is collected in `body`. */
async function inFlight(url: string) {
  const req = http.get(url, { agent: false });
  const result = { body: '', ended: false, failed: false };
  req.on('error', () => {
    result.failed = true;
  });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    result.body += chunk;
  });
  res.on('end', () => {
    result.ended = true;
  });
  res.on('error', () => {
    result.failed = true;
  });
  res.on('aborted', () => {
    result.failed = true;
  });
  return { status: res.statusCode, result };
}

test('SIGTERM: in-flight request completes, new connections are refused, exit 0', async () => {
  // A grace far longer than the test: the request in flight, not the timer, ends the wait.
  const gateway = await startGatewayProcess({ upstream: { url: upstream.url }, listen: { shutdown_grace: '120s' } });
  processes.push(gateway);
  const port = Number(new URL(gateway.url).port);
  const exited = once(gateway.child, 'exit') as Promise<[number | null]>;

  const slow = await inFlight(`${gateway.url}/slow`);
  assert.equal(slow.status, 200);
  await waitFor('the first part of the slow answer', () => slow.result.body === 'slow answer, ');

  gateway.child.kill('SIGTERM');
  await waitFor('new connections to be refused', () => refused(port));
  assert.equal(gateway.child.exitCode, null, 'the process waits for the request in flight');

  held.shift()?.();
  await waitFor('the slow answer to finish', () => slow.result.ended || slow.result.failed);
  assert.equal(slow.result.failed, false);
  assert.equal(slow.result.body, 'slow answer, finished');

  const [code] = await exited;
  assert.equal(code, 0);
  assert.match(gateway.output(), /"event":"gateway.stopped"/);
});

test('a request slower than the grace period is cut and the process still exits 0', async () => {
  const gateway = await startGatewayProcess({ upstream: { url: upstream.url }, listen: { shutdown_grace: '500ms' } });
  processes.push(gateway);
  const exited = once(gateway.child, 'exit') as Promise<[number | null]>;

  const req = http.get(`${gateway.url}/never`, { agent: false });
  const failed = new Promise<void>((resolve) => req.once('error', () => resolve()));
  await waitFor('the request to reach the upstream', () => upstream.requests.some((r) => r.url === '/never'));

  gateway.child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  await failed;
});
