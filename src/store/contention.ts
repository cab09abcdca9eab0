// Owns retrying a read-modify-write that lost a race: read, change, write on the condition that
// what was read is unchanged (Store.writeAll ifEquals or ifAbsent), and on a refusal start again
// from a fresh read. Bounded: a record that others keep changing at that very instant makes the
// change give up rather than spin, as a failing store would.

import { StoreUnavailableError } from './store.js';

/** How many reads and conditional writes a change gets before it gives up. */
export const MAX_ATTEMPTS = 5;

/** What an attempt answers when its conditional write was refused: read again. */
export const LOST_RACE: unique symbol = Symbol('lost race');

/**
 * A change lost MAX_ATTEMPTS races in a row to other writes of its keys, and nothing of it was
 * written: answered as the store failing (503, S11), never as a change made.
 */
export class StoreContendedError extends StoreUnavailableError {
  override name = 'StoreContendedError';
}

/** Runs `attempt` until it answers anything but LOST_RACE, at most MAX_ATTEMPTS times; then rejects with StoreContendedError. */
export async function untilWon<T>(what: string, attempt: () => Promise<T | typeof LOST_RACE>): Promise<T> {
  for (let count = 0; count < MAX_ATTEMPTS; count++) {
    const result = await attempt();
    if (result !== LOST_RACE) return result;
  }
  throw new StoreContendedError(`${what} was changed by others ${MAX_ATTEMPTS} times in a row`);
}
