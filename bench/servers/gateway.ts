// Owns starting the gateway under test as a child process, exactly as an operator would:
// `node bin/gateway.js start --config FILE`, with a temporary configuration in front of the
// bench upstream. Its log goes to a file, as a log collector would take it, so that the bench
// neither pays for reading it nor slows the gateway with a full pipe.

import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../lib/ports.js';
import { forgetTempDir, removeAtExit, spawnChild } from '../lib/processes.js';
import { sleep } from '../lib/stats.js';
import { GATEWAY_BIN, REPO_ROOT } from './paths.js';

export interface GatewayLaunch {
  upstreamUrl: string;
  cpus: string | undefined;
  logLevel: string;
  /** Extra configuration merged over the bench's (later scenarios: sessions, store, policy). */
  config?: Record<string, unknown>;
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
  stop(): Promise<void>;
}

/**
 * How bin/gateway.js will run the gateway: the compiled dist/ when it exists (as in the Docker
 * image), else the TypeScript source through tsx, whose loader thread adds memory (not CPU per
 * request) to every figure of RSS.
 */
export function gatewayRunsFrom(): 'compiled dist/' | 'source through tsx' {
  return existsSync(join(REPO_ROOT, 'dist/src/cli/main.js')) ? 'compiled dist/' : 'source through tsx';
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
  await writeFile(
    configFile,
    stringify({
      listen: { host: '127.0.0.1', port },
      upstream: { url: launch.upstreamUrl },
      logging: { level: launch.logLevel },
      ...launch.config,
    }),
  );
  const logFd = openSync(logFile, 'w');
  // The gateway runs with the bench's flags only, not whatever NODE_OPTIONS the shell had.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const args = [...(launch.nodeArgs ?? []), GATEWAY_BIN, 'start', '--config', configFile];
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
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await healthy(url)) return { pid: child.pid, url, logFile, stop };
    if (child.process.exitCode !== null || Date.now() > deadline) {
      const log = await readFile(logFile, 'utf8');
      await stop();
      throw new Error(`gateway did not start:\n${log}`);
    }
    await sleep(50);
  }
}
