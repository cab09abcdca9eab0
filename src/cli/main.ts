// Owns the `gateway` command line: picks the command, hands over to it, and turns how it
// ended into an exit code (0 done, 1 refused or failed, 2 a usage mistake).

import { gatewayVersion } from '../ops/version.js';
import { CommandError, UsageError } from './command.js';

// Each command's module is imported when that command runs: together they load every library the
// gateway uses (about 2 s of CPU), which `help`, `--version`, `check-config` and the container's
// HEALTHCHECK would otherwise pay on every run.

const USAGE = `Usage: gateway <command> [--config FILE]

Commands:
  start                           run the gateway
  check-config [--strict] [FILE]  validate a configuration; prints every error with its path and line
  healthcheck                     exit 0 when the gateway FILE describes answers its health page (listen.port, TLS)
  users show NAME                 role and where it comes from, second factor, recovery codes, sessions,
                                  locks with the time left
  users set-role NAME ROLE        store a role for NAME (an admin listed in gateway.yaml cannot be demoted)
  users set-role NAME --clear     remove NAME's stored role
  users enroll-code NAME          print a one-time code for a first enrollment (enrollment.first: code)
  users reset-factor NAME         remove NAME's second factor and recovery codes, and end NAME's sessions
  users unlock NAME               lift every lock on NAME (second step, password form; everywhere and
                                  at each address) before it expires, and say what was lifted
  unlock --address IP             lift the lock on an address as a whole (many users failing from it)
  sessions list NAME              NAME's open sessions: id prefix, role, created, last seen, ends
  sessions revoke NAME | --all    end NAME's sessions, or everyone's
  allowlist list [--list NAME | --user NAME]
                                  the staff IP allowlists with their notes (all, or the one named)
  allowlist add [--list NAME | --user NAME] CIDR [--note TEXT]
                                  add an address or CIDR range (or change its note); --list defaults
                                  to the list policy binds staff to; --user NAME is NAME's own list
  allowlist remove [--list NAME | --user NAME] CIDR
                                  remove an entry
  store stats                     the LMDB store's file, record and member counts
  store keys [PREFIX]             its live keys (not their values) with kind and expiry
  store backup FILE               write a consistent copy of it, while the gateway runs
  --version                       print the gateway's version
  help                            show this text

FILE is --config FILE, else $GATEWAY_CONFIG, else ./gateway.yaml; relative paths inside it (data_dir,
store.path, key files) are read from the current folder, so run commands where the gateway runs.
NAME is canonicalised as the login does (login.username).

users and sessions change the gateway's store, while the gateway runs: with store type lmdb (the
default; the gateway and the commands share the file) or redis, running gateways see a change at their
next read (a revoked session within 2 seconds).
allowlist edits the lists where allowlists.source keeps them: in FILE itself (source yaml; its comments
and layout are kept, the whole file must still validate, and a running gateway re-reads it) or in Redis
(source redis; every gateway applies a change within a second). It runs while the gateway runs.
Each change writes one audit line (pino JSON) to stderr; the result is one line on stdout.
Exit status: 0 done, 1 refused or failed, 2 a usage mistake.
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'start':
      return (await import('./start.js')).startCommand(args);
    case 'check-config':
      return (await import('./check-config.js')).checkConfigCommand(args);
    case 'healthcheck':
      await (await import('./healthcheck.js')).healthcheckCommand(args);
      return 0;
    case 'users':
      await (await import('./users.js')).usersCommand(args);
      return 0;
    case 'sessions':
      await (await import('./sessions.js')).sessionsCommand(args);
      return 0;
    case 'unlock':
      await (await import('./lockouts.js')).unlockCommand(args);
      return 0;
    case 'allowlist':
      await (await import('./allowlist.js')).allowlistCommand(args);
      return 0;
    case 'store':
      await (await import('./store.js')).storeCommand(args);
      return 0;
    case '--version':
    case 'version':
      process.stdout.write(`gateway ${gatewayVersion()} (Node ${process.version})\n`);
      return 0;
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
  async (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`gateway: ${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (
      error instanceof CommandError ||
      error instanceof (await import('../config/source.js')).ConfigInvalidError
    ) {
      process.stderr.write(`gateway: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`gateway: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
