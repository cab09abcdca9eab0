// Owns `gateway users`: an operator's view of one user (show) and the changes an operator
// makes to it: a stored role (set-role), a one-time code for a first enrollment
// (enroll-code, S12), a reset of every second factor (reset-factor, for an admin who lost
// the phone) and the lifting of its lockouts (unlock, in lockouts.ts). Every change is an audit event.

import { secondStepFor } from '../access/decide.js';
import { ADMIN_ROLE, type RoleSource, resolveRoleSource, roleKey } from '../access/roles.js';
import type { GatewayConfig } from '../config/schema.js';
import { ENROLL_CODE_TTL_MS, issueEnrollCode } from '../factors/enroll-codes.js';
import { CommandError, positionals, readArgs, UsageError } from './command.js';
import { unlockUser, userLockLines } from './lockouts.js';
import { count, FACTOR_NAMES, type Operator, withOperator } from './operator.js';

const SOURCES: Readonly<Record<RoleSource, string>> = {
  admins: 'listed in users.admins of gateway.yaml',
  store: 'set in the store with gateway users set-role',
  roles: 'listed in users.roles of gateway.yaml',
  default: 'users.default_role of gateway.yaml',
};

/** The roles the configuration names. A stored role outside them is most likely a typo, whose policy would be the loosest. */
function knownRoles(config: Readonly<GatewayConfig>): Set<string> {
  return new Set([
    ADMIN_ROLE,
    config.users.default_role,
    ...Object.keys(config.policy),
    ...Object.values(config.users.roles),
  ]);
}

/** The role a user has now, where it comes from, and the stored one (which a YAML admin overrides). */
async function currentRole(op: Operator, user: string) {
  const stored = await op.state.store.get(roleKey(user));
  return { ...resolveRoleSource(user, op.runtime.roles, stored), stored };
}

/** The names of the factors the user has enrolled. */
async function enrolledFactors(op: Operator, user: string): Promise<string[]> {
  const enrolled = await Promise.all(op.factors.map((factor) => factor.isEnrolled(user)));
  return op.factors.filter((_, i) => enrolled[i]).map((factor) => FACTOR_NAMES[factor.kind]);
}

async function setRole(op: Operator, user: string, role: string | undefined): Promise<void> {
  const before = await currentRole(op, user);
  if (role !== undefined) {
    // Admins listed in gateway.yaml are always admins (issue 6): a stored role cannot demote them.
    if (before.source === 'admins' && role !== ADMIN_ROLE) {
      throw new CommandError(
        `${user} is listed in users.admins of gateway.yaml and stays an admin whatever the store says: ` +
          `remove ${user} from users.admins to change the role`,
      );
    }
    const known = knownRoles(op.config);
    if (!known.has(role)) {
      throw new CommandError(
        `role "${role}" is not named in gateway.yaml (known: ${[...known].sort().join(', ')}): ` +
          'add it to policy first, so that what it must pass is a decision, not a default',
      );
    }
    await op.state.store.set(roleKey(user), role);
  } else {
    await op.state.store.delete(roleKey(user));
  }
  const after = resolveRoleSource(user, op.runtime.roles, role);
  op.audit('users.role_set', { user, role: after.role, stored: role ?? null, previous: before.role });
  // A session carries the role it was created with; the new one applies from the next login.
  const stale = (await op.state.records.listSessions(user)).filter((session) => session.role !== after.role);
  const sessions = stale.length
    ? `; ${count(stale.length, 'open session')} keep${stale.length === 1 ? 's' : ''} the old role until ended (gateway sessions revoke ${user})`
    : '';
  op.print(`${user}: role ${after.role} from the next login (${SOURCES[after.source]}; was ${before.role})${sessions}`);
}

async function enrollCode(op: Operator, user: string): Promise<void> {
  const enrolled = await enrolledFactors(op, user);
  if (enrolled.length > 0) {
    throw new CommandError(
      `${user} already has ${enrolled.join(' and ')}: a first-enrollment code is for a user with no factor ` +
        `(gateway users reset-factor ${user} removes it)`,
    );
  }
  const code = await issueEnrollCode(op.state.store, op.state.keys.digest, user);
  const hours = ENROLL_CODE_TTL_MS / 3_600_000;
  op.audit('enrollment.code_issued', { user, valid_hours: hours });
  const first = op.config.enrollment.first;
  const unused = first === 'code' ? '' : `; note: enrollment.first is ${first}, so enrollment does not ask for it`;
  op.print(`${user}: enrollment code ${code} (single use, valid ${hours} hours, replaces any earlier one)${unused}`);
}

async function resetFactor(op: Operator, user: string): Promise<void> {
  const { state } = op;
  const removed: string[] = [];
  for (const factor of op.factors) {
    if (await factor.remove(user)) removed.push(FACTOR_NAMES[factor.kind]);
  }
  const codes = await state.recovery.remaining(user);
  if (await state.recovery.remove(user)) removed.push(count(codes, 'recovery code'));
  // Sessions opened with the lost factor end too: whoever holds the phone may hold one of them.
  const ended = await state.records.revoke(user);
  op.audit('enrollment.factor_reset', { user, removed, sessions_ended: ended.length });
  if (ended.length > 0) op.audit('session.revoked', { user, sessions: ended.length, reason: 'factor reset' });

  const { role } = await currentRole(op, user);
  const next =
    secondStepFor(role, undefined, op.config.policy) === 'none'
      ? 'the next login needs no second step'
      : op.config.enrollment.first === 'code'
        ? `the next login enrolls a factor, with a code from gateway users enroll-code ${user}`
        : 'the next login enrolls a factor';
  op.print(
    `${user}: removed ${removed.length ? removed.join(', ') : 'nothing (no factor was enrolled)'}; ` +
      `ended ${count(ended.length, 'session')}; ${next}`,
  );
}

async function show(op: Operator, user: string): Promise<void> {
  const { state, config } = op;
  const role = await currentRole(op, user);
  const ignored =
    role.stored !== undefined && role.stored !== role.role ? `; stored role ${role.stored} does not apply` : '';
  const enrolled = await enrolledFactors(op, user);
  const factors = op.factors
    .map((factor) => FACTOR_NAMES[factor.kind])
    .map((name) => `${name} ${enrolled.includes(name) ? 'enrolled' : 'not enrolled'}`);
  const secondStep = config.policy[role.role]?.second_step ?? 'optional';
  const locks = await userLockLines(op, user);
  op.print(
    `${user}: role ${role.role} (${SOURCES[role.source]}${ignored}), second step ${secondStep}; ` +
      `${factors.join(', ')}; ${count(await state.recovery.remaining(user), 'recovery code')} left; ` +
      `${count((await state.records.listSessions(user)).length, 'open session')}; ` +
      (locks.length ? locks.join(', ') : 'not locked out'),
  );
}

/** Runs `gateway users SUBCOMMAND ...`. */
export async function usersCommand(argv: readonly string[]): Promise<void> {
  const [subcommand, ...rest] = argv;
  switch (subcommand) {
    case 'set-role': {
      const args = readArgs(rest, ['clear']);
      const clear = args.flags.has('clear');
      const [name, role] = clear
        ? positionals(args, ['NAME'], 'users set-role --clear')
        : positionals(args, ['NAME', 'ROLE'], 'users set-role');
      return withOperator(args.config, (op) => setRole(op, op.user(name as string), role));
    }
    case 'enroll-code':
    case 'reset-factor':
    case 'unlock':
    case 'show': {
      const args = readArgs(rest);
      const [name] = positionals(args, ['NAME'], `users ${subcommand}`);
      const run = { 'enroll-code': enrollCode, 'reset-factor': resetFactor, unlock: unlockUser, show }[subcommand];
      return withOperator(args.config, (op) => run(op, op.user(name as string)));
    }
    default:
      throw new UsageError(
        subcommand && !subcommand.startsWith('-')
          ? `unknown command "users ${subcommand}"`
          : 'users needs a command: show, set-role, enroll-code, reset-factor or unlock',
      );
  }
}
