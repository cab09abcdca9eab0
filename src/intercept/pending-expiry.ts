// Owns what becomes of a pending login whose time ran out (issue 12): the app accepted the
// password and started a session that nobody will ever hold, so it is logged out upstream, as
// one killed by wrong answers is. A periodic sweep claims each expired pending login (the
// records' delete is the claim: of several gateways sharing the store, or a promotion racing
// it, exactly one owns it), audits it (step_up.expired) and calls the app's logout route with
// the withheld jar. Nothing of it reaches a browser.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RuntimeConfig } from '../config/runtime.js';
import type { ClientAddress } from '../http/client-ip.js';
import type { RequestScope } from '../http/scope.js';
import { audit } from '../ops/audit.js';
import type { PendingRecord } from '../session/records.js';
import type { LoginServices } from '../session/services.js';
import { logoutUpstream } from './upstream-logout.js';

/** How often expired pending logins are looked for; they are logged out within this of their end. */
export const PENDING_SWEEP_MS = 2_000;

/** The gateway itself is the client of a request it sends on nobody's behalf. */
const GATEWAY: ClientAddress = {
  address: '127.0.0.1',
  key: undefined,
  peer: '127.0.0.1',
  trustedPeer: false,
  forwardedFor: ['127.0.0.1'],
};

/** The scope of the logout sent for a pending login: at the public origin the login came in at. */
function sweepScope(runtime: RuntimeConfig, pending: PendingRecord): RequestScope {
  const origin = pending.origin ? new URL(pending.origin) : undefined;
  return {
    id: randomUUID(),
    startedAt: performance.now(),
    runtime,
    client: GATEWAY,
    proto: origin?.protocol === 'https:' ? 'https' : 'http',
    host: origin?.host ?? runtime.upstreamHost,
    target: { path: '/', search: '', routingPath: '/' },
  };
}

/** One pass: claims the expired pending logins and logs each out upstream; resolves with how many. */
export async function sweepExpiredPending(services: LoginServices, runtime: RuntimeConfig): Promise<number> {
  const claimed = await services.records.claimExpiredPending();
  for (const pending of claimed) {
    const scope = sweepScope(runtime, pending);
    audit(services.logger, 'step_up.expired', {
      user: pending.user,
      role: pending.role,
      step: pending.step,
      request_id: scope.id,
    });
    await logoutUpstream(scope, services, pending.jar);
  }
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
