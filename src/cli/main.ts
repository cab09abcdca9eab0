// Owns the `gateway` command line: parses the command and hands over to it.

import { checkConfigCommand } from './check-config.js';
import { startCommand } from './start.js';

const USAGE = `Usage: gateway <command> [options]

Commands:
  start [--config FILE]     run the gateway (FILE defaults to $GATEWAY_CONFIG or ./gateway.yaml)
  check-config [FILE]       validate a configuration; prints every error with its path and line
  help                      show this text
`;

/** The configuration file: an explicit argument, else $GATEWAY_CONFIG, else ./gateway.yaml. */
export function configPath(explicit: string | undefined): string {
  return explicit ?? process.env.GATEWAY_CONFIG ?? 'gateway.yaml';
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at === -1) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return value;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'start':
      return startCommand(configPath(option(args, '--config')));
    case 'check-config':
      return checkConfigCommand(configPath(args.find((arg) => !arg.startsWith('--'))));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`gateway: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`gateway: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
