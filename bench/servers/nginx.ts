// Owns starting nginx, the reference proxy, with the project's configuration
// (servers/nginx.conf) under a temporary prefix: `nginx -p PREFIX -c FILE -e stderr`,
// in the foreground, one worker; stopped (and its prefix removed) after each round.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib/ports.js';
import { childPids } from '../lib/proc-stat.js';
import { forgetTempDir, removeAtExit, spawnChild } from '../lib/processes.js';
import { sleep } from '../lib/stats.js';
import { BENCH_DIR } from './paths.js';

export interface RunningNginx {
  /** The master's pid; the worker is among `pids()`. */
  readonly pid: number;
  readonly url: string;
  /** Master and worker, whose CPU time together is nginx's cost. */
  pids(): number[];
  /** The worker, which does the forwarding (and holds the memory). */
  workerPid(): number;
  stop(): Promise<void>;
}

export async function startNginx(nginx: string, upstreamPort: number, cpus: string | undefined): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'nginx-bench-'));
  removeAtExit(prefix);
  await mkdir(join(prefix, 'logs'));
  const port = await freePort();
  const template = await readFile(join(BENCH_DIR, 'servers/nginx.conf'), 'utf8');
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
    url: `http://127.0.0.1:${port}`,
    pids: () => [child.pid, ...childPids(child.pid)],
    workerPid: () => workerPid,
    stop,
  };
}
