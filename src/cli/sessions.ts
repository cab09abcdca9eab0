// Owns `gateway sessions`: listing a user's open gateway sessions and revoking them (one
// user's or everyone's). A listing shows an id prefix, enough to tell sessions apart, never
// the whole id: with the signing key it would be a usable cookie. Every gateway sharing the
// store refuses a revoked session within 2 seconds (session/records.ts caches no longer).

import type { SessionRecord } from '../session/records.js';
import { count, endSessions } from '../session/user-admin.js';
import { positionals, readArgs, UsageError } from './command.js';
import { type Operator, withOperator } from './operator.js';

const ID_PREFIX_CHARS = 8;

/** "2026-01-01 09:30:00Z": UTC to the second. */
function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}`.trimEnd());
}

async function list(op: Operator, user: string): Promise<void> {
  const sessions = [...(await op.state.records.listSessions(user))].sort((a, b) => a.createdAt - b.createdAt);
  const idle = op.config.session.idle;
  // A session ends at its idle deadline or its absolute end, whichever is first; "last seen" is
  // refreshed lazily (at most a minute behind), so the idle deadline is the earliest it can be.
  const ends = (session: SessionRecord) => Math.min(session.seenAt + idle, session.endsAt);
  op.print(`${user}: ${count(sessions.length, 'open session')}`);
  if (sessions.length === 0) return;
  const rows = sessions.map((session) => [
    session.id.slice(0, ID_PREFIX_CHARS),
    session.role,
    time(session.createdAt),
    time(session.seenAt),
    time(ends(session)),
  ]);
  for (const line of table([['ID', 'ROLE', 'CREATED', 'LAST SEEN', 'ENDS'], ...rows])) op.print(line);
}

async function revoke(op: Operator, user: string | undefined): Promise<void> {
  const ended = await endSessions(op, user);
  op.print(
    `revoked ${count(ended.length, 'session')} ${user ? `of ${user}` : 'of every user'}; ` +
      'gateways sharing this store refuse them within 2 seconds',
  );
}

/** Runs `gateway sessions SUBCOMMAND ...`. */
export async function sessionsCommand(argv: readonly string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'list': {
      const args = readArgs(rest);
      const [name] = positionals(args, ['NAME'], 'sessions list');
      return withOperator(args.config, (op) => list(op, op.user(name as string)));
    }
    case 'revoke': {
      const args = readArgs(rest, ['all']);
      const all = args.flags.has('all');
      const [name] = all
        ? positionals(args, [], 'sessions revoke --all')
        : positionals(args, ['NAME'], 'sessions revoke');
      return withOperator(args.config, (op) => revoke(op, name === undefined ? undefined : op.user(name)));
    }
    default:
      throw new UsageError(
        subcommand && !subcommand.startsWith('-')
          ? `unknown command "sessions ${subcommand}"`
          : 'sessions needs a command: list or revoke',
      );
  }
}
