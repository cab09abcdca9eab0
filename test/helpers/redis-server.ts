// A real Redis for tests: redis-server on a free port of 127.0.0.1 with no persistence and a
// temporary folder, ready once it answers PING. Stopped by the test, and killed when the test
// process exits without stopping it. Missing redis-server is an error, never a silent skip.
// The production shapes are built from such servers: a Cluster of several masters and a
// Sentinel setup (redis-cluster.ts, redis-sentinel.ts).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, Redis } from 'ioredis';
import type { RedisStoreSettings } from '../../src/store/index.js';
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
  /** Runs the server as a Cluster node owning no slot yet (startRedisCluster hands them out). */
  clusterNode?: boolean;
  /** Runs a replica of the master at 127.0.0.1:port. */
  replicaOf?: number;
  /** Runs a Sentinel instead, monitoring the master at 127.0.0.1:port under name. */
  sentinelOf?: SentinelOf;
}

export interface SentinelOf {
  name: string;
  port: number;
  /** How many sentinels must find the master down before a failover (1 by default). */
  quorum?: number;
}

/**
 * A Sentinel's timings, short for tests: the master is down after 1 s without an answer, and a
 * failover that stalls is tried again after twice the failover timeout.
 */
const SENTINEL_DOWN_AFTER_MS = 1000;
const SENTINEL_FAILOVER_TIMEOUT_MS = 3000;

/** Starts redis-server and resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  requireRedisServer();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'gateway-redis-'));
  const conf = join(dir, 'redis.conf');
  const args = [conf, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  // A master waits 5 s by default before a diskless full sync, for more replicas to join the
  // transfer: a replica's first sync (and every Sentinel setup) waited it out. Nothing else
  // joins here, so the transfer starts at once.
  args.push('--repl-diskless-sync-delay', '0');
  if (options.cluster || options.clusterNode) {
    // The bus port is port + 10000 unless told: above 55535 that is no port at all.
    const busPort = await freePort();
    args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-announce-ip', '127.0.0.1');
    args.push('--cluster-port', String(busPort));
  }
  if (options.replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(options.replicaOf));
  if (options.sentinelOf) args.push('--sentinel');

  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');

  async function start(): Promise<void> {
    // Empty at every start, like a fresh server (a cluster node would reload its slots from nodes.conf).
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    // A Sentinel needs a configuration file it can rewrite.
    const sentinel = options.sentinelOf;
    await writeFile(conf, sentinel ? sentinelConf(sentinel) : '');
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

/** What a Sentinel monitors, and how fast it acts. */
function sentinelConf({ name, port, quorum = 1 }: SentinelOf): string {
  return [
    `sentinel monitor ${name} 127.0.0.1 ${port} ${quorum}`,
    `sentinel down-after-milliseconds ${name} ${SENTINEL_DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${name} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
    '',
  ].join('\n');
}

/** Fails unless redis-server can be run (the package installs redis-cli with it). */
export function requireRedisServer(): void {
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

/**
 * Sends one command to the server on `port` and resolves with its reply, or undefined when the
 * server does not answer (down, still starting, or refusing the command): for polling.
 */
export async function askRedis(port: number, ...command: [string, ...Array<string | number>]): Promise<unknown> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
    commandTimeout: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call(...command);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** A Redis deployment as the `store` section names it, with a plain client to look behind the gateway. */
export interface RedisDeployment {
  /** The connection part of the store settings (url, and sentinels + sentinel_name, or cluster). */
  readonly settings: RedisConnectionSettings;
  /** A client of the deployment's own kind (the test closes it). */
  client(): Redis | Cluster;
  /** Every key matching `pattern` on every master (KEYS reaches one node only). */
  keys(pattern: string): Promise<string[]>;
  /** How many connections are subscribed to `channel`, summed over the masters. */
  subscribers(channel: string): Promise<number>;
  stop(): Promise<void>;
}

export type RedisConnectionSettings = Pick<RedisStoreSettings, 'url' | 'sentinels' | 'sentinel_name' | 'cluster'>;

/** The deployment of one standalone server. */
export function standalone(server: RedisServer): RedisDeployment {
  return {
    settings: { url: server.url },
    client: () => new Redis(server.url),
    keys: (pattern) => onMasters([server.port], 'KEYS', pattern).then((replies) => replies.flat() as string[]),
    subscribers: (channel) => subscribersOn([server.port], channel),
    stop: () => server.stop(),
  };
}

/** Sends one command to each port; a node that does not answer counts as an empty reply. */
export async function onMasters(ports: readonly number[], ...command: [string, ...string[]]): Promise<unknown[]> {
  return Promise.all(ports.map(async (port) => (await askRedis(port, ...command)) ?? []));
}

/** PUBSUB NUMSUB of a channel, summed over the given servers. */
export async function subscribersOn(ports: readonly number[], channel: string): Promise<number> {
  const replies = (await onMasters(ports, 'PUBSUB', 'NUMSUB', channel)) as Array<[string, number] | []>;
  return replies.reduce((sum, reply) => sum + Number(reply[1] ?? 0), 0);
}
