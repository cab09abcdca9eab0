// Owns `gateway check-config`: every error at once, each with its path and line; exit 1 when invalid.
// Warnings (a policy without identity confirmation) go to standard error; --strict makes them errors.

import { identityWarnings } from '../config/identity-warnings.js';
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { readArgs, UsageError } from './command.js';

/** Runs `gateway check-config [--strict] [FILE]` (or --config FILE). */
export async function checkConfigCommand(argv: readonly string[]): Promise<number> {
  const args = readArgs(argv, ['strict']);
  if (args.positionals.length > 1) throw new UsageError('check-config takes one FILE at most');
  const file = args.positionals[0] ?? args.config;
  const result = await loadConfigFile(file);
  if (!result.ok) {
    process.stderr.write(`${file}: ${result.errors.length} error(s)\n`);
    for (const error of result.errors) process.stderr.write(`  ${formatConfigError(error)}\n`);
    return 1;
  }
  const { config } = result;
  const warnings = identityWarnings(config);
  const strict = args.flags.has('strict');
  for (const warning of warnings) process.stderr.write(`${file}: ${strict ? 'error' : 'warning'}: ${warning}\n`);
  if (strict && warnings.length > 0) return 1;
  const tls = config.listen.tls ? 'https' : 'http';
  process.stdout.write(
    `${file}: valid; listens on ${tls}://${config.listen.host}:${config.listen.port}, forwards to ${config.upstream.url}, ` +
      `${config.trusted_proxies.length} trusted prox${config.trusted_proxies.length === 1 ? 'y' : 'ies'}\n`,
  );
  return 0;
}
