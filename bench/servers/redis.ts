// Owns the Redis server of the gateway-redis target: Debian's redis-server on a free port,
// without persistence (the figures are about the gateway's round trips, not the disk), pinned
// like the proxy so that the store's CPU counts towards the gateway's cost on the same core.

import { freePort } from '../lib/ports.js';
import { spawnChild } from '../lib/processes.js';
import { sleep } from '../lib/stats.js';

export interface RunningRedis {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startRedis(redisServer: string, cpus: string | undefined): Promise<RunningRedis> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawnChild('redis', cpus, redisServer, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.process.stdout?.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(out)) {
    if (child.process.exitCode !== null || Date.now() > deadline) {
      await child.stop();
      throw new Error(`redis-server did not start: ${out}`);
    }
    await sleep(20);
  }
  return { pid: child.pid, url: `redis://127.0.0.1:${port}/0`, stop: () => child.stop() };
}
