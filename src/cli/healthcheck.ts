// Owns `gateway healthcheck`: asks the gateway that the configuration describes whether it is
// alive, on the port and scheme that configuration sets (so the container's HEALTHCHECK follows
// listen.port and listen.tls instead of assuming http on 8080). A gateway listening on every
// address is asked on loopback; a TLS certificate is not checked (it names the public host, not
// 127.0.0.1, and the question is only "does it answer").

import { resolve } from 'node:path';
import { Agent, request } from 'undici';
import { loadConfigFile } from '../config/load.js';
import { ConfigInvalidError } from '../config/source.js';
import { CommandError, positionals, readArgs } from './command.js';

const TIMEOUT_MS = 3_000;

/** The address to ask: loopback for a wildcard listen address. */
function askHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Runs `gateway healthcheck [--config FILE]`: exit 0 when the gateway answers its health page with 200. */
export async function healthcheckCommand(argv: readonly string[]): Promise<void> {
  const args = readArgs(argv);
  positionals(args, [], 'healthcheck');
  const result = await loadConfigFile(args.config);
  if (!result.ok) throw new ConfigInvalidError(resolve(args.config), result.errors);
  const { listen } = result.config;
  const url = `${listen.tls ? 'https' : 'http'}://${askHost(listen.host)}:${listen.port}${listen.gateway_prefix}/healthz`;
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false, timeout: TIMEOUT_MS } });
  try {
    const answer = await request(url, { dispatcher, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
    await answer.body.dump();
    if (answer.statusCode !== 200) throw new CommandError(`${url} answered ${answer.statusCode}`);
    process.stdout.write(`${url}: ok\n`);
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`${url} did not answer: ${(error as Error).message}`);
  } finally {
    await dispatcher.close();
  }
}
