// Owns the conventions every `gateway` command follows: how its arguments are read (--config
// FILE everywhere), where the configuration file is found, and the two ways a command fails
// on purpose (main.ts turns them into exit codes).

import { parseArgs } from 'node:util';

/** The command line is wrong: exit 2, with the usage text. */
export class UsageError extends Error {}

/** The command understood and refused, or could not do it: exit 1, with this one-line reason. */
export class CommandError extends Error {}

/** The configuration file: an explicit argument, else $GATEWAY_CONFIG, else ./gateway.yaml. */
export function configPath(explicit: string | undefined): string {
  return explicit ?? process.env.GATEWAY_CONFIG ?? 'gateway.yaml';
}

export interface CommandArgs {
  readonly positionals: readonly string[];
  /** The configuration file, resolved by configPath. */
  readonly config: string;
  /** The --flags given, of those the command accepts. */
  readonly flags: ReadonlySet<string>;
  /** The --option VALUE pairs given, of those the command accepts. */
  readonly options: ReadonlyMap<string, string>;
}

/**
 * Reads a command's arguments: positionals, --config FILE, the boolean `flags` and the
 * `--option VALUE` options it accepts; nothing else.
 */
export function readArgs(
  args: readonly string[],
  flags: readonly string[] = [],
  options: readonly string[] = [],
): CommandArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string' },
        ...Object.fromEntries(flags.map((flag) => [flag, { type: 'boolean' as const }])),
        ...Object.fromEntries(options.map((option) => [option, { type: 'string' as const }])),
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { config, ...rest } = parsed.values;
  return {
    positionals: parsed.positionals,
    config: configPath(typeof config === 'string' ? config : undefined),
    flags: new Set(Object.keys(rest).filter((flag) => rest[flag] === true)),
    options: new Map(Object.entries(rest).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
  };
}

/** The positionals, which must be exactly `names` long; `usage` names the form in the error. */
export function positionals(args: CommandArgs, names: readonly string[], usage: string): string[] {
  if (args.positionals.length !== names.length) {
    throw new UsageError(`${usage} takes ${names.length ? names.join(' ') : 'no arguments'}`);
  }
  return [...args.positionals];
}
