// The gateway as a child process, started with `gateway start` on a temporary configuration
// file: for tests that measure its memory, send it signals or edit its configuration file.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { GATEWAY_ARGS } from './node-program.js';

/**
 * A gateway that has not logged its address by then is stuck. Generous: at load 20 on 2 cores a
 * primary and two workers starting through tsx took more than 20 s.
 */
const START_DEADLINE_MS = 180_000;

export interface GatewayProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly configFile: string;
  /** Everything the process wrote to stdout (pino lines) and stderr so far. */
  output(): string;
  /** Resident set size in bytes, read from /proc. */
  rss(): Promise<number>;
  /** Rewrites the configuration file (the gateway watches it). */
  writeConfig(config: Record<string, unknown> | string): Promise<void>;
  /** Sends SIGTERM and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `gateway start --config FILE [...args]` and resolves once it (or its first worker) logs its address. */
export async function startGatewayProcess(
  config: Record<string, unknown>,
  args: readonly string[] = [],
): Promise<GatewayProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-test-'));
  const configFile = join(dir, 'gateway.yaml');
  const withListen = { ...config, listen: { host: '127.0.0.1', port: 0, ...(config.listen as object) } };
  await writeFile(configFile, stringify(withListen));
  const child = spawn(process.execPath, [...GATEWAY_ARGS, 'start', '--config', configFile, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), START_DEADLINE_MS);
    const check = () => {
      const match = /"event":"gateway.started","url":"([^"]+)"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    child,
    configFile,
    output: () => output,
    async rss() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      return kb * 1024;
    },
    async writeConfig(next) {
      const text = typeof next === 'string' ? next : stringify(next);
      // Write-then-rename, as editors and config management do.
      await writeFile(`${configFile}.tmp`, text);
      await rename(`${configFile}.tmp`, configFile);
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await once(child, 'exit');
      await rm(dir, { recursive: true, force: true });
      return code as number | null;
    },
  };
}
