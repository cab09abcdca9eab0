// Owns starting Caddy, the Go reference proxy, with the project's configuration
// (servers/Caddyfile) under a temporary prefix: `caddy run` in the foreground (one process;
// Go sizes its threads to the CPUs taskset leaves it), stopped (and its prefix removed) after
// each round.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../lib/ports.js';
import { forgetTempDir, removeAtExit, spawnChild } from '../lib/processes.js';
import { BENCH_DIR } from './paths.js';

export interface RunningCaddy {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts Caddy in front of the upstream; the caller waits until it answers (targets.ts). */
export async function startCaddy(caddy: string, upstreamPort: number, cpus: string | undefined): Promise<RunningCaddy> {
  const prefix = await mkdtemp(join(tmpdir(), 'caddy-bench-'));
  removeAtExit(prefix);
  const port = await freePort();
  const template = await readFile(join(BENCH_DIR, 'servers/Caddyfile'), 'utf8');
  const configFile = join(prefix, 'Caddyfile');
  await writeFile(
    configFile,
    template
      .replaceAll('{{PREFIX}}', prefix)
      .replaceAll('{{PORT}}', String(port))
      .replaceAll('{{UPSTREAM_PORT}}', String(upstreamPort)),
  );
  // Its home and XDG folders inside the prefix: Caddy writes nothing outside it.
  const env = { ...process.env, HOME: prefix, XDG_DATA_HOME: prefix, XDG_CONFIG_HOME: prefix };
  const child = spawnChild('caddy', cpus, caddy, ['run', '--config', configFile, '--adapter', 'caddyfile'], { env });
  child.process.stdout?.resume();
  child.process.stderr?.resume();
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await child.stop();
      await rm(prefix, { recursive: true, force: true });
      forgetTempDir(prefix);
    },
  };
}
