// Owns starting the bench upstream (servers/upstream.ts) as a pinned child process.

import { spawnChild } from '../lib/processes.js';
import { REPO_ROOT, tsxArgs } from './paths.js';

export interface RunningUpstream {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the upstream and resolves once it has told its port. */
export async function startUpstream(cpus: string | undefined): Promise<RunningUpstream> {
  const child = spawnChild('upstream', cpus, process.execPath, tsxArgs('bench/servers/upstream.ts'), {
    cwd: REPO_ROOT,
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`upstream did not start: ${out}`)), 20_000);
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
    void child.exited.then((code) => reject(new Error(`upstream exited with ${code}: ${out}`)));
  });
  return { pid: child.pid, port, url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
}
