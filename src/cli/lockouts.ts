// Owns an operator's view and lifting of lockouts (S15): the locks on a user with the time
// left (for `users show`), `users unlock NAME` (every lock on that user, in both layers, and
// what it lifted) and `gateway unlock --address IP` (an address locked as a whole). Every
// lifting is an audit event.

import { normalizeAddress } from '../net/ip.js';
import { unlockUser as liftUserLocks, lockLayers, lockText, userLocks } from '../session/user-admin.js';
import { CommandError, positionals, readArgs, UsageError } from './command.js';
import { type Operator, withOperator } from './operator.js';

/** The locks that stand on a user, one phrase each, for `users show`. */
export async function userLockLines(op: Operator, user: string): Promise<string[]> {
  const now = Date.now();
  return (await userLocks(op, user)).map((lock) => lockText(lock, now));
}

/** `users unlock NAME`: lifts every lock on the user in both layers and forgets their failures. */
export async function unlockUser(op: Operator, user: string): Promise<void> {
  const now = Date.now();
  const lifted = (await liftUserLocks(op, user)).map((lock) => lockText(lock, now));
  op.print(`${user}: ${lifted.length ? `lifted the ${lifted.join(', ')}` : 'was not locked out'}; failures forgotten`);
}

/** `gateway unlock --address IP`: lifts the lock on an address as a whole, in both layers. */
async function unlockAddress(op: Operator, address: string): Promise<void> {
  const now = Date.now();
  const lifted: string[] = [];
  for (const [layer, regulator] of lockLayers(op)) {
    const lock = await regulator.unlockAddress(address);
    if (lock) lifted.push(lockText({ layer, lock }, now));
  }
  op.audit('lockout.lifted', { address, layers: lifted.length });
  op.print(
    `${address}: ${lifted.length ? `lifted the ${lifted.join(', ')}` : 'was not locked out'}; its failing users forgotten`,
  );
}

/** Runs `gateway unlock --address IP`. */
export async function unlockCommand(argv: readonly string[]): Promise<void> {
  const args = readArgs(argv, [], ['address']);
  positionals(args, [], 'unlock --address IP');
  const raw = args.options.get('address');
  if (raw === undefined) throw new UsageError('unlock needs --address IP (a user is unlocked with users unlock NAME)');
  const address = normalizeAddress(raw);
  if (address === undefined) throw new CommandError(`${JSON.stringify(raw)} is not an IP address`);
  await withOperator(args.config, (op) => unlockAddress(op, address));
}
