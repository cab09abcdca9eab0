// Owns starting the bench's upstreams and its own Node servers as pinned child processes: the
// Node upstream (servers/upstream.ts) and the bare undici proxy (servers/undici-proxy.ts), each
// of which prints {"port":N} once it listens, and the cheap upstream of the workers scenario
// (nginx serving the 2 KB page from a file, servers/nginx-static.conf, in front of the Node one).

import { COMPILED_UNDICI_PROXY } from '../lib/build.js';
import { cpuMicros, totalCpuMicros } from '../lib/proc-stat.js';
import { type Child, spawnChild } from '../lib/processes.js';
import { startNginx } from './nginx.js';
import { REPO_ROOT, tsxArgs } from './paths.js';
import { PAGE } from './upstream-routes.js';

/** Which upstream a group of scenarios runs against (LoadScenario.upstream). */
export type UpstreamKind = 'node' | 'nginx-static';

export interface RunningUpstream {
  /** The process that serves the 2 KB page (the floor's memory). */
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** CPU microseconds every process of the upstream has used so far. */
  cpu(): number;
  stop(): Promise<void>;
}

/** Starts the Node upstream and resolves once it has told its port. */
export async function startUpstream(cpus: string | undefined): Promise<RunningUpstream> {
  return startNodeServer('upstream', cpus, tsxArgs('bench/servers/upstream.ts'));
}

/**
 * Starts nginx serving the 2 KB page from a file, with the Node upstream behind it for
 * everything else (the login form); during a load of the page the Node upstream is idle.
 */
export async function startStaticUpstream(nginx: string, cpus: string | undefined): Promise<RunningUpstream> {
  const node = await startUpstream(cpus);
  try {
    const front = await startNginx(nginx, node.port, cpus, {
      config: 'nginx-static.conf',
      files: { 'www/page': PAGE },
    });
    return {
      pid: front.workerPid(),
      port: front.port,
      url: front.url,
      cpu: () => totalCpuMicros(front.pids()) + node.cpu(),
      stop: async () => {
        await front.stop();
        await node.stop();
      },
    };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/** Starts the upstream of `kind`. */
export function startUpstreamOf(kind: UpstreamKind, nginx: string, cpus: string | undefined): Promise<RunningUpstream> {
  return kind === 'nginx-static' ? startStaticUpstream(nginx, cpus) : startUpstream(cpus);
}

/** Starts the bare undici proxy (compiled, lib/build.ts) in front of `upstreamUrl`. */
export function startUndiciProxy(cpus: string | undefined, upstreamUrl: string): Promise<RunningUpstream> {
  return startNodeServer('undici-proxy', cpus, [COMPILED_UNDICI_PROXY, upstreamUrl]);
}

/** Runs a bench server (node `args`) and resolves once it has told its port. */
async function startNodeServer(name: string, cpus: string | undefined, args: string[]): Promise<RunningUpstream> {
  const child: Child = spawnChild(name, cpus, process.execPath, args, { cwd: REPO_ROOT });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 60_000);
    child.process.stdout?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const match = /\{"port":(\d+)\}/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.process.stderr?.setEncoding('utf8').on('data', (text: string) => {
      out += text;
    });
    void child.exited.then((code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
  return {
    pid: child.pid,
    port,
    url: `http://127.0.0.1:${port}`,
    cpu: () => cpuMicros(child.pid),
    stop: () => child.stop(),
  };
}
