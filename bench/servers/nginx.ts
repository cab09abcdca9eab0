// Owns starting nginx with one of the project's configurations under a temporary prefix:
// `nginx -p PREFIX -c FILE -e stderr`, in the foreground, one worker; stopped (and its prefix
// removed) after each round. servers/nginx.conf makes it the reference proxy; servers/
// nginx-static.conf the cheap upstream of the workers scenario, which serves files of the prefix.

import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../lib/ports.js';
import { childPids } from '../lib/proc-stat.js';
import { forgetTempDir, removeAtExit, spawnChild } from '../lib/processes.js';
import { sleep } from '../lib/stats.js';
import { BENCH_DIR } from './paths.js';

export interface RunningNginx {
  /** The master's pid; the worker is among `pids()`. */
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Master and worker, whose CPU time together is nginx's cost. */
  pids(): number[];
  /** The worker, which does the forwarding (and holds the memory). */
  workerPid(): number;
  stop(): Promise<void>;
}

export interface NginxSetup {
  /** The configuration under bench/servers/ (default nginx.conf, the reference proxy). */
  config?: string;
  /** Files written under the prefix before nginx starts, by path relative to it. */
  files?: Readonly<Record<string, Buffer>>;
}

export async function startNginx(
  nginx: string,
  upstreamPort: number,
  cpus: string | undefined,
  setup: NginxSetup = {},
): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'nginx-bench-'));
  removeAtExit(prefix);
  await mkdir(join(prefix, 'logs'));
  if (setup.files) {
    // Run as root, nginx serves files as its worker's user (nobody): mkdtemp's 0700 would refuse it.
    await chmod(prefix, 0o755);
    for (const [path, bytes] of Object.entries(setup.files)) {
      await mkdir(dirname(join(prefix, path)), { recursive: true, mode: 0o755 });
      await writeFile(join(prefix, path), bytes, { mode: 0o644 });
    }
  }
  const port = await freePort();
  const template = await readFile(join(BENCH_DIR, 'servers', setup.config ?? 'nginx.conf'), 'utf8');
  const configFile = join(prefix, 'nginx.conf');
  await writeFile(
    configFile,
    template
      .replaceAll('{{PREFIX}}', prefix)
      .replaceAll('{{PORT}}', String(port))
      .replaceAll('{{UPSTREAM_PORT}}', String(upstreamPort)),
  );
  // -e stderr: nginx opens its compiled-in error log before it reads the configuration.
  const child = spawnChild('nginx', cpus, nginx, ['-p', prefix, '-c', configFile, '-e', 'stderr']);
  let errors = '';
  child.process.stderr?.setEncoding('utf8').on('data', (text: string) => {
    errors += text;
  });
  child.process.stdout?.resume();
  const stop = async () => {
    await child.stop();
    await rm(prefix, { recursive: true, force: true });
    forgetTempDir(prefix);
  };

  const deadline = Date.now() + 10_000;
  let worker: number | undefined;
  while (worker === undefined) {
    if (child.process.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start: ${errors}`);
    }
    worker = childPids(child.pid)[0];
    if (worker === undefined) await sleep(50);
  }
  const workerPid = worker;
  return {
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    pids: () => [child.pid, ...childPids(child.pid)],
    workerPid: () => workerPid,
    stop,
  };
}
