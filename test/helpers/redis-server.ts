// A real Redis for tests: redis-server on a free port of 127.0.0.1 with no persistence and a
// temporary folder, ready once it answers PING. Stopped by the test, and killed when the test
// process exits without stopping it. Missing redis-server is an error, never a silent skip.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { waitFor } from './wait.js';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (its data is gone: nothing is persisted). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open and nothing answers, like a hung server. */
  pause(): void;
  /** Lets a paused server run again (SIGCONT). */
  resume(): void;
}

export interface RedisServerOptions {
  /** Runs the server as a one-node Redis Cluster owning every slot. */
  cluster?: boolean;
  /** Runs a Sentinel instead, monitoring the master at 127.0.0.1:port under name. */
  sentinelOf?: { name: string; port: number };
}

/** Starts redis-server and resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  requireRedisServer();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'gateway-redis-'));
  const conf = join(dir, 'redis.conf');
  const args = [conf, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  if (options.cluster)
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1');
  if (options.sentinelOf) args.push('--sentinel');

  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');

  async function start(): Promise<void> {
    // Empty at every start, like a fresh server (a cluster node would reload its slots from nodes.conf).
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    // A Sentinel needs a configuration file it can rewrite.
    const sentinel = options.sentinelOf;
    await writeFile(conf, sentinel ? `sentinel monitor ${sentinel.name} 127.0.0.1 ${sentinel.port} 1\n` : '');
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    process.on('exit', killOnExit);
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    started.stdout?.on('data', collect);
    started.stderr?.on('data', collect);
    await waitFor(`redis-server on port ${port} to answer PING`, async () => {
      if (started.exitCode !== null) throw new Error(`redis-server exited with ${started.exitCode}:\n${output}`);
      return (await send(port, 'PING')).startsWith('+PONG');
    });
    if (options.cluster) {
      await send(port, 'CLUSTER ADDSLOTSRANGE 0 16383');
      await waitFor('the one-node cluster to be ready', async () =>
        (await send(port, 'CLUSTER INFO')).includes('cluster_state:ok'),
      );
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    process.off('exit', killOnExit);
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    // Nothing to save, and SIGKILL also ends a paused server.
    running.kill('SIGKILL');
    await exited;
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await start();
    },
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version']);
  if (probe.error) {
    throw new Error(
      `redis-server is needed by the Redis store tests and could not be run (${probe.error.message}): apt-get install redis-server`,
    );
  }
}

/** Sends one inline command and resolves with the first chunk of the answer ('' when refused). */
function send(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (chunk) => {
      resolve(chunk.toString());
      socket.end();
    });
    socket.once('error', () => resolve(''));
    socket.once('close', () => resolve(''));
  });
}
