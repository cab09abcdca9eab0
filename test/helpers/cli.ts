// The operator's `gateway` command for tests, in a child process (helpers/node-program.ts),
// against a gateway.yaml that names the same data folder (keys) and store as a login
// harness, so that the command and the gateway in the test process share their state.

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { type LoginHarness, startLoginHarness } from './login-harness.js';
import { GATEWAY_ARGS } from './node-program.js';
import { askRedis, startRedisServer } from './redis-server.js';

/**
 * A command that has not ended by then is stuck: the test fails with what it printed. Generous:
 * at load 20 on 2 cores, starting a command through tsx alone took 20 s (2 s of CPU), and a
 * deadline near that would make a test depend on the machine's speed.
 */
const COMMAND_DEADLINE_MS = 300_000;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The audit lines the command wrote to stderr, parsed. */
  readonly audit: Array<Record<string, unknown>>;
}

/** Runs `gateway ...args` and resolves once it exits. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [...GATEWAY_ARGS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway ${args.join(' ')} did not end:\n${stdout}\n${stderr}`));
    }, COMMAND_DEADLINE_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const audit = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.audit === true);
      resolve({ code, stdout, stderr, audit });
    });
  });
}

/**
 * Writes gateway.yaml for the operator commands next to the harness's data: the repository's
 * demo configuration with the harness's app, data folder (its generated keys) and `sections`
 * (the store, and whatever else the harness was started with) in place of the demo's.
 */
export async function writeCliConfig(harness: LoginHarness, sections: Record<string, unknown>): Promise<string> {
  const demo = parseYaml(await readFile(new URL('../../gateway.yaml', import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;
  const file = join(harness.dataDir, 'gateway.yaml');
  await writeFile(
    file,
    stringify({ ...demo, upstream: { url: harness.appUrl }, data_dir: harness.dataDir, ...sections }),
  );
  return file;
}

export interface CliFixture {
  readonly harness: LoginHarness;
  /** The gateway.yaml the commands read (`--config`). */
  readonly config: string;
  /** The store's keys, as the gateway names them (without the fixture's prefix), read from Redis. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * A real redis-server, a login harness whose gateway keeps its state there (under a key prefix of
 * its own), and the gateway.yaml with which the operator commands reach the same state.
 */
export async function startCliFixture(sections: Record<string, unknown> = {}): Promise<CliFixture> {
  const redis = await startRedisServer();
  try {
    const prefix = `cli:${randomUUID()}:`;
    // A call deadline no busy machine reaches: at load 25 on 2 cores the default second ran out
    // while a command started ("Redis did not answer within 1000 ms"), through tsx and compiled alike.
    const all = { ...sections, store: { type: 'redis', url: redis.url, prefix, command_timeout: '30s' } };
    const harness = await startLoginHarness({ overrides: all });
    return {
      harness,
      config: await writeCliConfig(harness, all),
      async keys() {
        const found = (await askRedis(redis.port, 'KEYS', `${prefix}*`)) as string[] | undefined;
        if (!found) throw new Error('Redis did not answer KEYS');
        return found.map((key) => key.slice(prefix.length)).sort();
      },
      async close() {
        await harness.close();
        await redis.stop();
      },
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}
