// Owns starting the bench's own Node servers as pinned child processes: the upstream
// (servers/upstream.ts) and the bare undici proxy (servers/undici-proxy.ts), each of which
// prints {"port":N} once it listens.

import { COMPILED_UNDICI_PROXY } from '../lib/build.js';
import { type Child, spawnChild } from '../lib/processes.js';
import { REPO_ROOT, tsxArgs } from './paths.js';

export interface RunningUpstream {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the upstream and resolves once it has told its port. */
export async function startUpstream(cpus: string | undefined): Promise<RunningUpstream> {
  return startNodeServer('upstream', cpus, tsxArgs('bench/servers/upstream.ts'));
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
  return { pid: child.pid, port, url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
}
