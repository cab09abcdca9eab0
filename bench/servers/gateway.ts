// Owns starting the gateway under test as a child process, exactly as an operator would:
// `node main.js start --config FILE` (compiled, lib/build.ts), with a temporary configuration
// in front of the bench upstream. Its log goes to a file, as a log collector would take it,
// so that the bench neither pays for reading it nor slows the gateway with a full pipe.
//
// Two modes: passthrough (no `login` section: every security layer off, the internal
// reference of issue 6) and layers on (login interception, sessions with the cookie vault,
// the policy, a staff allowlist and identity headers), with the memory, LMDB or Redis store.
// With the layers on, the bench logs a user in first so that load can carry a full session.

import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { COMPILED_CLI } from '../lib/build.js';
import { freePort } from '../lib/ports.js';
import { forgetTempDir, removeAtExit, spawnChild } from '../lib/processes.js';
import { sleep } from '../lib/stats.js';
import { REPO_ROOT } from './paths.js';
import { BENCH_USER, PUBLIC_PATHS } from './upstream-routes.js';

export type GatewayMode =
  | { readonly layers: 'off' }
  | { readonly layers: 'on'; readonly store: 'memory' }
  /**
   * lmdbPath: a store prepared beforehand (the store-login scenarios); a fresh one in the temporary
   * folder by default. maxPerUser: session.max_per_user, the default when absent.
   */
  | { readonly layers: 'on'; readonly store: 'lmdb'; readonly lmdbPath?: string; readonly maxPerUser?: number }
  | { readonly layers: 'on'; readonly store: 'redis'; readonly redisUrl: string };

export interface GatewayLaunch {
  upstreamUrl: string;
  cpus: string | undefined;
  logLevel: string;
  mode: GatewayMode;
  /** `gateway start --workers N`; one process when absent. */
  workers?: number;
  /** `trusted_proxies`: peers whose X-Forwarded-For names the client (the login storm's clients, each from its own address). */
  trustedProxies?: readonly string[];
  /**
   * Node flags before the script (the profile scenario passes --cpu-prof; Node 20 refuses
   * --cpu-prof in NODE_OPTIONS, so flags go on the command line).
   */
  nodeArgs?: readonly string[];
}

export interface RunningGateway {
  readonly pid: number;
  readonly url: string;
  readonly logFile: string;
  /** "Cookie: gw_session=…" of a full session, with the layers on. */
  readonly sessionHeader?: string;
  stop(): Promise<void>;
}

/** The configuration of a mode, in a temporary folder of its own (keys, LMDB store). */
function configFor(launch: GatewayLaunch, dir: string, port: number): Record<string, unknown> {
  const base = {
    listen: { host: '127.0.0.1', port },
    upstream: { url: launch.upstreamUrl },
    logging: { level: launch.logLevel },
    data_dir: join(dir, 'data'),
    ...(launch.trustedProxies ? { trusted_proxies: launch.trustedProxies } : {}),
  };
  const { mode } = launch;
  if (mode.layers === 'off') return base;
  const store =
    mode.store === 'redis'
      ? { type: 'redis', url: mode.redisUrl }
      : mode.store === 'lmdb'
        ? { type: 'lmdb', path: mode.lmdbPath ?? join(dir, 'data/store.lmdb') }
        : { type: 'memory' };
  return {
    ...base,
    store,
    ...(mode.store === 'lmdb' && mode.maxPerUser ? { session: { max_per_user: mode.maxPerUser } } : {}),
    public_paths: PUBLIC_PATHS,
    login: {
      routes: [{ method: 'POST', path: '/login' }],
      page: '/login',
      username_field: 'username',
      failure: { statuses: [401] },
      landing_path: '/page',
    },
    // Staff: no second step, but the per-request allowlist check is on the measured path.
    users: { roles: { [BENCH_USER]: 'staff' } },
    policy: { admin: { second_step: 'required' }, staff: { second_step: 'optional', allowlist: 'staff' } },
    allowlists: { lists: { staff: [{ cidr: '127.0.0.0/8', note: 'bench client' }, '::1'] } },
  };
}

/** Whether the gateway answers its health endpoint (it does once it listens). */
async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_gateway/healthz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Whether the primary of `--workers N` said that every worker listens (one answer from the
 * health endpoint proves only one); the line is at info, the bench's default level.
 */
async function everyWorkerListens(logFile: string): Promise<boolean> {
  return (await readFile(logFile, 'utf8')).includes('"event":"gateway.workers_started"');
}

/** Logs the bench user in through the gateway and returns the Cookie header of the full session. */
export async function openSession(url: string): Promise<string> {
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=${BENCH_USER}&password=bench`,
    redirect: 'manual',
  });
  await res.arrayBuffer();
  const session = res.headers.getSetCookie().find((line) => /^(__Host-)?gw_session=/.test(line));
  if (!session) throw new Error(`the bench login got no gateway session (status ${res.status})`);
  return `Cookie: ${session.split(';', 1)[0]}`;
}

/**
 * Starts the gateway on a free port and resolves once its health endpoint answers (the
 * `gateway.started` line is not there to read at a log level above info).
 */
export async function startGateway(launch: GatewayLaunch): Promise<RunningGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-bench-'));
  removeAtExit(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(dir, 'gateway.yaml');
  const logFile = join(dir, 'gateway.log');
  await writeFile(configFile, stringify(configFor(launch, dir, port)));
  const logFd = openSync(logFile, 'w');
  // The gateway runs with the bench's flags only, not whatever NODE_OPTIONS the shell had.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const args = [
    ...(launch.nodeArgs ?? []),
    COMPILED_CLI,
    'start',
    '--config',
    configFile,
    ...(launch.workers ? ['--workers', String(launch.workers)] : []),
  ];
  const child = spawnChild('gateway', launch.cpus, process.execPath, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);

  const stop = async () => {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
    forgetTempDir(dir);
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if ((await healthy(url)) && (!launch.workers || (await everyWorkerListens(logFile)))) break;
    if (child.process.exitCode !== null || Date.now() > deadline) {
      const log = await readFile(logFile, 'utf8');
      await stop();
      throw new Error(`gateway did not start:\n${log}`);
    }
    await sleep(50);
  }
  if (launch.mode.layers === 'off') return { pid: child.pid, url, logFile, stop };
  try {
    return { pid: child.pid, url, logFile, sessionHeader: await openSession(url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
