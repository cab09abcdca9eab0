// Issue 14, item 4: `npm run demo` takes its ports from flags (or DEMO_PORT, DEMO_APP_PORT,
// DEMO_METRICS_PORT), says in one line that a port is in use (exit 1, no stack trace), and shows
// one short line per audit event instead of every JSON log line.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { demoLine } from '../../examples/demo-log.js';
import { nodeArgsFor } from '../helpers/node-program.js';
import { freePort } from '../helpers/ports.js';

const DEMO = nodeArgsFor(new URL('../../examples/run-demo.ts', import.meta.url));
const CONFIG = new URL('../../gateway.yaml', import.meta.url).pathname;

let cwd: string;
before(async () => {
  // The demo's data folder (keys, store) goes there, not into the checkout.
  cwd = await mkdtemp(join(tmpdir(), 'gateway-demo-'));
});
after(() => rm(cwd, { recursive: true, force: true }));

interface Demo {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the demo printed its banner (true) or exited (false). */
  started: Promise<boolean>;
  exited: Promise<number | null>;
}

function startDemo(args: string[], env: NodeJS.ProcessEnv = {}): Demo {
  const child = spawn(process.execPath, [...DEMO, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GATEWAY_CONFIG: CONFIG, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const started = new Promise<boolean>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('Ctrl-C stops both')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, started, exited };
}

test('a port in use is one line and exit 1', async () => {
  const holder = createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const { port } = holder.address() as { port: number };
  try {
    const demo = startDemo(['--port', String(port)], {
      DEMO_APP_PORT: String(await freePort()),
      DEMO_METRICS_PORT: String(await freePort()),
    });
    assert.equal(await demo.exited, 1);
    assert.equal(
      demo.stderr(),
      `demo: port ${port} on 127.0.0.1 is in use; choose another for the gateway (--port, DEMO_PORT)\n`,
    );
  } finally {
    holder.close();
  }
});

test('the demo starts on the chosen ports, answers, and prints audit events as short lines', async () => {
  const [port, appPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const demo = startDemo(['--port', String(port), '--app-port', String(appPort)], {
    DEMO_METRICS_PORT: String(metricsPort),
  });
  try {
    assert.ok(await demo.started, demo.stderr());
    assert.match(demo.stderr(), new RegExp(`Open {2}http://127\\.0\\.0\\.1:${port}/ .*127\\.0\\.0\\.1:${appPort}`));
    assert.equal((await fetch(`http://127.0.0.1:${port}/_gateway/healthz`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 200);
    const login = await fetch(`http://127.0.0.1:${port}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'wrong-password' }),
    });
    // Refused by the app (without its CSRF token, 403): a failed password either way.
    assert.ok([401, 403].includes(login.status), String(login.status));
    // Waits for the line, however long a busy machine takes: the test has no deadline of its own.
    while (!demo.stdout().includes('login.password_failed')) await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = demo.stdout().trimEnd().split('\n');
    assert.ok(
      lines.every((line) => !line.startsWith('{')),
      `no JSON line in the demo's output:\n${demo.stdout()}`,
    );
    assert.match(
      lines.find((line) => line.includes('login.password_failed')) ?? '',
      /^\d\d:\d\d:\d\d {2}login\.password_failed {2}user=alice /,
    );
    assert.ok(!demo.stdout().includes('wrong-password'));
  } finally {
    demo.child.kill('SIGTERM');
    assert.equal(await demo.exited, 0);
  }
});

test('the short form: an audit line and a warning are shown, an access line is not', () => {
  const audit = JSON.stringify({
    level: 'info',
    time: '2026-12-03T07:30:05.123Z',
    service: 'gateway',
    audit: true,
    event: 'enrollment.totp_enrolled',
    user: 'alice',
    client: '127.0.0.1',
    request_id: 'r1',
  });
  assert.equal(demoLine(audit), '07:30:05  enrollment.totp_enrolled  user=alice client=127.0.0.1');
  const access = JSON.stringify({
    level: 'info',
    time: '2026-12-03T07:30:05.123Z',
    event: 'http.request',
    status: 200,
  });
  assert.equal(demoLine(access), undefined);
  const warning = JSON.stringify({
    level: 'warn',
    time: '2026-12-03T07:30:06.000Z',
    event: 'config.restart_needed',
    held_back: ['login'],
    msg: 'applies at the next restart',
  });
  assert.equal(
    demoLine(warning),
    '07:30:06  warning: config.restart_needed (applies at the next restart)  held_back=login',
  );
});
