// Owns `gateway allowlist`: listing the staff IP allowlists and adding or removing an entry,
// in gateway.yaml (its comments and layout kept) or in Redis, whichever allowlists.source
// names. Entries are validated as every editor validates them (config/allowlist-data.ts), and every
// change is one audit line.

import { resolve } from 'node:path';
import { applyAllowlistChange } from '../allowlist/apply-change.js';
import { type AllowlistEditor, AllowlistEditRefusedError } from '../allowlist/editor.js';
import { createAllowlistEditor } from '../allowlist/editors.js';
import { defaultListName, entryCount, listSections, targetLabel } from '../allowlist/targets.js';
import {
  type AllowlistData,
  type AllowlistEntry,
  type AllowlistTarget,
  parseEntry,
  parseListName,
  withCanonicalUsers,
} from '../config/allowlist-data.js';
import { loadConfigFile } from '../config/load.js';
import { compileConfig } from '../config/runtime.js';
import type { GatewayConfig } from '../config/schema.js';
import { ConfigInvalidError } from '../config/source.js';
import { DEFAULT_USERNAME_RULES, type UsernameRules, usernameRulesOf } from '../config/username.js';
import { StoreUnavailableError } from '../store/store.js';
import { CommandError, positionals, readArgs, UsageError } from './command.js';
import { createOperatorAudit, operatorUsername } from './operator.js';

const SUBCOMMANDS = ['list', 'add', 'remove'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

function entryLine(entry: AllowlistEntry): string {
  return entry.note === undefined ? `  ${entry.cidr}` : `  ${entry.cidr.padEnd(20)} ${entry.note}`;
}

/** The lines `allowlist list` prints: every list, or the one named. */
function listing(config: Readonly<GatewayConfig>, data: AllowlistData, only: AllowlistTarget | undefined): string[] {
  const all = listSections(config, data);
  const sections = only
    ? [
        all.find((s) => s.target.kind === only.kind && s.target.name === only.name) ?? {
          target: only,
          roles: [],
          entries: [],
        },
      ]
    : all;
  return sections.flatMap(({ target, roles, entries }) => {
    const bound = target.kind === 'user' ? '' : roles.length ? ` (for ${roles.join(', ')})` : ' (bound to no role)';
    return [`${targetLabel(target)}${bound}: ${entryCount(entries.length)}`, ...entries.map(entryLine)];
  });
}

/** The list an edit names: --list NAME, --user NAME (canonicalised as the login does), or the staff list. */
function targetOf(
  config: Readonly<GatewayConfig>,
  options: ReadonlyMap<string, string>,
  orDefault: boolean,
): AllowlistTarget | undefined {
  const user = options.get('user');
  if (user !== undefined) return { kind: 'user', name: operatorUsername(user, usernameRules(config)) };
  const list = options.get('list') ?? (orDefault ? defaultListName(config) : undefined);
  if (list === undefined) return undefined;
  const parsed = parseListName(list);
  if (!parsed.ok) throw new CommandError(parsed.message);
  return { kind: 'list', name: parsed.value };
}

/** The login's username rules (the defaults without a login section). */
function usernameRules(config: Readonly<GatewayConfig>): UsernameRules {
  return config.login ? usernameRulesOf(config.login.username) : DEFAULT_USERNAME_RULES;
}

/** How a change reaches running gateways, for the result line. */
function takesEffect(editor: AllowlistEditor): string {
  return editor.source === 'redis'
    ? 'every gateway applies it within a second'
    : 'a running gateway applies it when it re-reads the file';
}

async function loadConfig(file: string): Promise<Readonly<GatewayConfig>> {
  const result = await loadConfigFile(file);
  if (!result.ok) throw new ConfigInvalidError(resolve(file), result.errors);
  return result.config;
}

async function run(
  subcommand: Subcommand,
  config: Readonly<GatewayConfig>,
  editor: AllowlistEditor,
  canonicalUser: (name: string) => string,
  args: { target: AllowlistTarget | undefined; cidr: string | undefined; note: string | undefined },
): Promise<void> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // As the gateway reads them: a user's list written "Bob" in the file is bob's.
  const data = withCanonicalUsers(await editor.read(), canonicalUser);
  if (subcommand === 'list') {
    for (const line of listing(config, data, args.target)) print(line);
    return;
  }
  const parsed = parseEntry(args.cidr as string, args.note);
  if (!parsed.ok) throw new CommandError(parsed.message);
  const change =
    subcommand === 'add'
      ? { kind: 'add' as const, entry: parsed.value }
      : { kind: 'remove' as const, cidr: parsed.value.cidr };
  const outcome = await applyAllowlistChange(
    editor,
    data,
    args.target as AllowlistTarget,
    change,
    createOperatorAudit(),
  );
  if (!outcome.done) throw new CommandError(outcome.text);
  print(outcome.changed ? `${outcome.text}; ${takesEffect(editor)}` : outcome.text);
}

/** Runs `gateway allowlist SUBCOMMAND ...`. */
export async function allowlistCommand(argv: readonly string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  if (!SUBCOMMANDS.includes(subcommand as Subcommand)) {
    throw new UsageError(
      subcommand && !subcommand.startsWith('-')
        ? `unknown command "allowlist ${subcommand}"`
        : 'allowlist needs a command: list, add or remove',
    );
  }
  const sub = subcommand as Subcommand;
  const args = readArgs(rest, [], ['list', 'user', 'note']);
  if (args.options.has('list') && args.options.has('user')) {
    throw new UsageError('--list and --user each name a list: give one of them');
  }
  if (args.options.has('note') && sub !== 'add') throw new UsageError('--note goes with allowlist add');
  const [cidr] =
    sub === 'list' ? positionals(args, [], 'allowlist list') : positionals(args, ['CIDR'], `allowlist ${sub}`);

  const config = await loadConfig(args.config);
  const target = targetOf(config, args.options, sub !== 'list');
  // The gateway's own canonical form of a username, as its lists are read in force.
  const { canonicalUser } = compileConfig(config);
  const editor = createAllowlistEditor(config, { file: args.config, canonicalUser });
  try {
    await run(sub, config, editor, canonicalUser, { target, cidr, note: args.options.get('note') });
  } catch (error) {
    if (error instanceof AllowlistEditRefusedError) throw new CommandError(error.message, { cause: error });
    if (error instanceof StoreUnavailableError) {
      throw new CommandError(`Redis is unavailable: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    await editor.close();
  }
}
