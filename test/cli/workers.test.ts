// `gateway start --workers N` (issue 17): N processes share one port and the store. A session
// opened through one worker is honoured by the other (the LMDB store); a worker killed with
// SIGKILL is replaced while the other keeps answering; SIGTERM stops every worker with the
// drain (a request in flight finishes) and the primary exits 0, also when every process of the
// group gets it (a worker then gets a second one from the primary); the primary serves the workers'
// metrics summed; the memory store, which lives inside one process, is refused with one line.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent } from 'undici';
import { parse as parseYaml, stringify } from 'yaml';
import { createInvoiceApp, type InvoiceApp } from '../../examples/invoice-app/app.js';
import { parseWorkerCount, restartDelay, workersRefusal } from '../../src/cli/worker-policy.js';
import { runCli } from '../helpers/cli.js';
import { testConfig } from '../helpers/gateway.js';
import { TEST_APP_PASSWORD_COST } from '../helpers/hashing.js';
import { Browser, createClock, STAFF } from '../helpers/login-harness.js';
import { type GatewayProcess, startGatewayProcess } from '../helpers/process.js';
import { parseExposition } from '../helpers/prometheus-text.js';
import { startUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

/** Two workers start through tsx on a machine at load 10 and more: wait for conditions, generously. */
const START_MS = 180_000;

let app: InvoiceApp;
let appUrl: string;
let dir: string;
const running: GatewayProcess[] = [];

before(async () => {
  app = createInvoiceApp({ passwordCost: TEST_APP_PASSWORD_COST });
  appUrl = await app.listen();
  dir = await mkdtemp(join(tmpdir(), 'gateway-workers-'));
});
after(async () => {
  for (const gateway of running) await gateway.stop('SIGKILL');
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The demo configuration in front of the test's app, with the LMDB store in a folder of its own;
 * without its fixed ports (the listener's is chosen by the process helper) and metrics.
 */
async function demoConfig(name: string): Promise<Record<string, unknown>> {
  const demo = parseYaml(await readFile(new URL('../../gateway.yaml', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
  const { metrics: _metrics, listen: _listen, ...rest } = demo;
  const dataDir = join(dir, name);
  return {
    ...rest,
    upstream: { url: appUrl },
    data_dir: dataDir,
    store: { type: 'lmdb', path: join(dataDir, 'store.lmdb') },
    logging: { level: 'info' },
  };
}

/** The JSON lines of the processes' output with this event. */
function events(gateway: GatewayProcess, event: string): Array<Record<string, unknown>> {
  return gateway
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The pids of the workers that said they were ready, in order. */
const workerPids = (gateway: GatewayProcess) => events(gateway, 'gateway.worker_started').map((line) => line.pid);

/** A GET on a fresh connection (so that the primary hands each one to the next worker). */
function get(url: string, path: string, cookie?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}${path}`, { agent: false, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      // An answer cut off (its worker killed) fails the request rather than leaving it pending.
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Logs the staff user in through the gateway, as a person would; returns the Cookie header of the session. */
async function login(url: string): Promise<string> {
  const agent = new Agent();
  try {
    const browser = new Browser(url, agent, createClock());
    assert.equal((await browser.login(STAFF.user, STAFF.password)).location, '/dashboard');
    return browser.cookieHeader();
  } finally {
    await agent.close();
  }
}

/**
 * An upstream answering "ok", except /slow: its answer starts and is finished only when the test
 * calls the function `held` gets for it (a request in flight while the gateway stops).
 */
async function startSlowAnswerUpstream() {
  const held: Array<() => void> = [];
  const upstream = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (req.url !== '/slow') return void res.end('ok');
    res.write('slow answer, ');
    held.push(() => res.end('finished'));
  });
  return { upstream, held };
}

async function startWorkers(name: string): Promise<GatewayProcess> {
  const gateway = await startGatewayProcess(await demoConfig(name), ['--workers', '2']);
  running.push(gateway);
  await waitFor('both workers to listen', () => events(gateway, 'gateway.workers_started').length === 1, START_MS);
  return gateway;
}

test('--workers is a positive number or auto; a worker that keeps dying is replaced ever more slowly', () => {
  assert.equal(parseWorkerCount(undefined, 4), 1);
  assert.equal(parseWorkerCount('3', 4), 3);
  assert.equal(parseWorkerCount('auto', 4), 4);
  for (const bad of ['0', '-1', 'two', '1.5', '']) assert.throws(() => parseWorkerCount(bad, 4), /--workers/);
  assert.equal(restartDelay([1_000], 1_000), 100);
  assert.equal(restartDelay([1_000, 2_000, 3_000], 3_000), 400);
  assert.equal(restartDelay([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 10), 30_000);
  // Deaths older than a minute no longer count.
  assert.equal(restartDelay([0, 1, 2, 70_000], 70_000), 100);
});

test('the memory store with more than one worker is refused before anything listens', async () => {
  const memory = await testConfig({ upstream: { url: appUrl }, store: { type: 'memory' } });
  assert.match(String(workersRefusal(memory, 2)), /store\.type memory/);
  assert.equal(workersRefusal(memory, 1), undefined);

  const file = join(dir, 'memory.yaml');
  await writeFile(file, stringify({ ...(await demoConfig('memory')), store: { type: 'memory' } }));
  const result = await runCli(['start', '--workers', '2', '--config', file]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^gateway: --workers 2 needs a store the processes share: store\.type memory keeps sessions and lockouts inside one process/m,
  );
  assert.doesNotMatch(result.stdout, /gateway\.started/);
});

test('two workers share the port and the store; one killed is replaced while the other answers', async () => {
  const gateway = await startWorkers('shared');
  const [first, second] = workerPids(gateway);
  assert.ok(first && second && first !== second);

  // A session opened through one worker is honoured on every connection, whichever worker takes it.
  const cookie = await login(gateway.url);
  for (let i = 0; i < 6; i++) assert.equal((await get(gateway.url, '/dashboard', cookie)).status, 200);
  await waitFor('access lines from both workers', () => {
    const workers = events(gateway, 'request').map((line) => line.worker);
    return new Set(workers).size === 2;
  });

  process.kill(first as number, 'SIGKILL');
  await waitFor('the primary to see the worker die', () => events(gateway, 'gateway.worker_died').length === 1);
  assert.equal(events(gateway, 'gateway.worker_died')[0]?.pid, first);
  // The other worker answers every connection while the replacement starts.
  for (let i = 0; i < 4; i++) assert.equal((await get(gateway.url, '/dashboard', cookie)).status, 200);
  await waitFor('a replacement worker', () => workerPids(gateway).length === 3, START_MS);
  const replacement = workerPids(gateway)[2];
  assert.ok(replacement !== first && replacement !== second);
  for (let i = 0; i < 6; i++) assert.equal((await get(gateway.url, '/dashboard', cookie)).status, 200);
  await waitFor('the replacement to answer', () =>
    events(gateway, 'request').some((line) => line.worker === events(gateway, 'gateway.worker_died')[0]?.worker),
  );
});

test('metrics are summed over the workers; SIGTERM stops every worker with the drain, then the primary exits 0', async () => {
  const { upstream, held } = await startSlowAnswerUpstream();
  try {
    const gateway = await startGatewayProcess(
      { upstream: { url: upstream.url }, data_dir: join(dir, 'stop'), metrics: { host: '127.0.0.1', port: 0 } },
      ['--workers', '2'],
    );
    running.push(gateway);
    await waitFor('both workers to listen', () => events(gateway, 'gateway.workers_started').length === 1, START_MS);
    const pids = workerPids(gateway) as number[];

    // The primary serves the metrics of both workers summed: six connections, three to each.
    for (let i = 0; i < 6; i++) assert.equal((await get(gateway.url, '/ok')).status, 200);
    const metricsUrl = events(gateway, 'gateway.metrics_started')[0]?.url as string;
    const answered = async () =>
      parseExposition(await (await fetch(metricsUrl)).text()).value('gateway_requests_total', {
        status_class: '2xx',
        route: 'upstream',
      });
    await waitFor('the six requests in the summed metrics', async () => (await answered()) === 6);
    const inFlight = get(gateway.url, '/slow');
    await waitFor('the request to reach the upstream', () => held.length === 1);

    const exited = once(gateway.child, 'exit');
    gateway.child.kill('SIGTERM');
    // Each worker says it is draining (the primary says so too); only then is the answer finished.
    await waitFor('both workers to drain', () => events(gateway, 'gateway.stopping').length === 3);
    held[0]?.();
    assert.deepEqual(await inFlight, { status: 200, body: 'slow answer, finished' });
    const [code] = await exited;
    assert.equal(code, 0);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    assert.equal(events(gateway, 'gateway.stopped').length, 3);
  } finally {
    await upstream.close();
  }
});

test('a SIGTERM sent to every process of the group (as systemd stops a service) still drains each worker; the primary exits 0', async () => {
  const { upstream, held } = await startSlowAnswerUpstream();
  try {
    const gateway = await startGatewayProcess({ upstream: { url: upstream.url }, data_dir: join(dir, 'group-stop') }, [
      '--workers',
      '2',
    ]);
    running.push(gateway);
    await waitFor('both workers to listen', () => events(gateway, 'gateway.workers_started').length === 1, START_MS);
    const pids = workerPids(gateway) as number[];
    // Two connections: the primary hands one to each worker, so that both are draining.
    const inFlight = [get(gateway.url, '/slow'), get(gateway.url, '/slow')];
    await waitFor('both requests to reach the upstream', () => held.length === 2);

    const exited = once(gateway.child, 'exit');
    // The group's signal reaches each worker directly; once they drain, the primary's own follows.
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    await waitFor('both workers to drain', () => events(gateway, 'gateway.stopping').length === 2);
    gateway.child.kill('SIGTERM');
    await waitFor('the primary to stop the workers', () => events(gateway, 'gateway.stopping').length === 3);
    for (const finish of held) finish();
    for (const answer of await Promise.all(inFlight)) {
      assert.deepEqual(answer, { status: 200, body: 'slow answer, finished' });
    }
    const [code] = await exited;
    assert.equal(code, 0);
    assert.equal(events(gateway, 'gateway.stopped').length, 3);
  } finally {
    await upstream.close();
  }
});
