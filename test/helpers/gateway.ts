// The gateway in-process for tests: a static configuration built from a few overrides,
// a logger whose lines the test can read, and a close() that stops everything.

import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { createStaticConfigSource } from '../../src/config/source.js';
import { type Gateway, startGateway } from '../../src/gateway.js';
import { createLogger } from '../../src/ops/logger.js';

export interface TestGateway {
  readonly url: string;
  readonly port: number;
  readonly gateway: Gateway;
  readonly config: Readonly<GatewayConfig>;
  /** Every log line so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** The raw log text so far (to search for secrets). */
  logText(): string;
  close(): Promise<void>;
}

/** Sections of gateway.yaml as plain objects; `upstream.url` is required. */
export type ConfigInput = Record<string, unknown> & { upstream: Record<string, unknown> };

/**
 * The argon2 runner's deadlines in tests: a busy machine (2 cores at load 10) may make a hash
 * wait its turn for seconds, which the production bound (5 s) would turn into a 503, so a test
 * would depend on the machine's speed. A test of the bound sets its own (limits.hashing).
 */
export const TEST_HASHING = Object.freeze({ wait: '10m', run: '10m' });

/** Validates a configuration object exactly as a gateway.yaml would be validated (with test-sized argon2 deadlines). */
export async function testConfig(input: ConfigInput): Promise<Readonly<GatewayConfig>> {
  const limits = (input.limits ?? {}) as Record<string, unknown>;
  const withDefaults = {
    ...input,
    listen: { host: '127.0.0.1', port: 0, ...(input.listen as object) },
    limits: { ...limits, hashing: { ...TEST_HASHING, ...(limits.hashing as object) } },
  };
  const result = await parseConfig(JSON.stringify(withDefaults));
  if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

/** A pino destination that keeps every line in memory. */
export function memoryLog(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream, text: () => text };
}

/** Starts a gateway on this configuration; `now` is its clock (sessions, lockouts, TOTP) when a test moves time. */
export async function startTestGateway(input: ConfigInput, options: { now?: () => number } = {}): Promise<TestGateway> {
  const config = await testConfig(input);
  const log = memoryLog();
  const logger = createLogger({ level: config.logging.level, destination: log.stream });
  const gateway = await startGateway({ config: createStaticConfigSource(config), logger, now: options.now });
  return {
    url: gateway.url,
    port: gateway.address.port,
    gateway,
    config,
    logs: () =>
      log
        .text()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: log.text,
    close: () => gateway.shutdown(),
  };
}
