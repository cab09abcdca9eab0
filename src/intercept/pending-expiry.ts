// Owns what becomes of a pending login whose time ran out (issue 12): the app accepted the
// password and started a session that nobody will ever hold, so it is logged out upstream, as
// one killed by wrong answers is. A periodic sweep claims each expired pending login (the
// records' delete is the claim: of several gateways sharing the store, or a promotion racing
// it, exactly one owns it) and ends it as every pending login ends (session/pending-ends.ts:
// step_up.expired, the app's logout route with the withheld jar). Nothing of it reaches a browser.

import type { RuntimeConfig } from '../config/runtime.js';
import { pendingEnded } from '../session/pending-ends.js';
import type { LoginServices } from '../session/services.js';

/** How often expired pending logins are looked for; they are logged out within this of their end. */
export const PENDING_SWEEP_MS = 2_000;

/** One pass: claims the expired pending logins and logs each out upstream; resolves with how many. */
export async function sweepExpiredPending(services: LoginServices, runtime: RuntimeConfig): Promise<number> {
  const claimed = await services.records.claimExpiredPending();
  for (const pending of claimed) await pendingEnded(services, runtime, pending, 'expired');
  return claimed.length;
}

/** Runs the sweep every PENDING_SWEEP_MS, one pass at a time; returns the stop function. */
export function startPendingSweep(services: LoginServices, runtime: () => RuntimeConfig): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpiredPending(services, runtime())
      // The store unreachable: the records stay, and the next pass tries again.
      .catch((error: Error) => services.logger.warn({ event: 'pending.sweep_failed', err: error }))
      .finally(() => {
        running = false;
      });
  }, PENDING_SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
}
