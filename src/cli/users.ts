// Owns `gateway users`: an operator's view of one user (show) and the changes an operator
// makes to it: a stored role (set-role), a one-time code for a first enrollment
// (enroll-code, S12), a reset of every second factor (reset-factor, for an admin who lost
// the phone) and the lifting of its lockouts (unlock, in lockouts.ts). Every change is an audit event.

import { secondStepFor } from '../access/decide.js';
import type { RoleSource } from '../access/roles.js';
import {
  count,
  currentRole,
  enrolledFactorNames,
  FACTOR_NAMES,
  issueFirstEnrollCode,
  resetFactors,
  setRole,
} from '../session/user-admin.js';
import { positionals, readArgs, UsageError } from './command.js';
import { unlockUser, userLockLines } from './lockouts.js';
import { type Operator, refusalsAsErrors, withOperator } from './operator.js';

const SOURCES: Readonly<Record<RoleSource, string>> = {
  admins: 'listed in users.admins of gateway.yaml',
  store: 'set in the store with gateway users set-role',
  roles: 'listed in users.roles of gateway.yaml',
  default: 'users.default_role of gateway.yaml',
};

async function setRoleCommand(op: Operator, user: string, role: string | undefined): Promise<void> {
  const { before, after, staleSessions } = await refusalsAsErrors(setRole(op, user, role));
  const sessions = staleSessions
    ? `; ${count(staleSessions, 'open session')} keep${staleSessions === 1 ? 's' : ''} the old role until ended (gateway sessions revoke ${user})`
    : '';
  op.print(`${user}: role ${after.role} from the next login (${SOURCES[after.source]}; was ${before.role})${sessions}`);
}

async function enrollCode(op: Operator, user: string): Promise<void> {
  const { code, hours } = await refusalsAsErrors(issueFirstEnrollCode(op, user));
  const first = op.config.enrollment.first;
  const unused = first === 'code' ? '' : `; note: enrollment.first is ${first}, so enrollment does not ask for it`;
  op.print(`${user}: enrollment code ${code} (single use, valid ${hours} hours, replaces any earlier one)${unused}`);
}

async function resetFactor(op: Operator, user: string): Promise<void> {
  const { removed, ended } = await resetFactors(op, user);
  const { role } = await currentRole(op, user);
  const next =
    secondStepFor(role, [], [], op.config.policy) === 'none'
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
  const enrolled = await enrolledFactorNames(op, user);
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
      return withOperator(args.config, (op) => setRoleCommand(op, op.user(name as string), role));
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
