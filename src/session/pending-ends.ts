// Owns the one way a pending login ends without becoming a session (issue 13): its time ran out,
// the user's newer logins pushed it past session.max_pending_per_user, wrong answers or a lock
// killed it, a new login in its browser replaced it, or its user's role changed. The app accepted
// the password and started a session that nobody ever held: each end is audited with a stable
// name and that session is logged out at the app, exactly as configured and with the bounds of
// every upstream logout (services.logoutUpstream). Otherwise an attacker who knows a password
// could leave app sessions behind that nobody ends, by logging in past the cap. Whoever ends the
// record (its delete is the claim) owns what follows, so each is logged out once.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RuntimeConfig } from '../config/runtime.js';
import type { ClientAddress } from '../http/client-ip.js';
import type { RequestScope } from '../http/scope.js';
import { type AuditEvent, audit } from '../ops/audit.js';
import type { NewPending, PendingRecord } from './records.js';
import type { LoginServices } from './services.js';

/** Why a pending login ended without a session: the audit event, and the reason its line gives. */
const ENDS = {
  expired: { event: 'step_up.expired' },
  evicted: { event: 'step_up.evicted', reason: 'session.max_pending_per_user reached' },
  wrong_answers: { event: 'step_up.abandoned', reason: 'too many wrong answers' },
  locked_out: { event: 'step_up.abandoned', reason: 'locked out' },
  new_login: { event: 'step_up.abandoned', reason: 'new login' },
  role_changed: { event: 'step_up.abandoned', reason: 'role changed' },
  sessions_ended: { event: 'step_up.abandoned', reason: 'sessions ended' },
} as const satisfies Record<string, { event: AuditEvent; reason?: string }>;

export type PendingEnd = keyof typeof ENDS;

/**
 * The gateway itself is the client of a logout it sends on nobody's behalf (the expiry sweep);
 * one a request caused goes as from that request's client, as every other upstream call does.
 */
const GATEWAY: ClientAddress = {
  address: '127.0.0.1',
  key: undefined,
  peer: '127.0.0.1',
  trustedPeer: false,
  forwardedFor: ['127.0.0.1'],
};

/** The request that ended a pending login, when one did. */
export type EndedBy = Pick<RequestScope, 'id' | 'client'>;

/** The scope of the logout sent for a pending login: at the public origin the login came in at. */
function pendingScope(runtime: RuntimeConfig, pending: PendingRecord, by: EndedBy | undefined): RequestScope {
  const origin = pending.origin ? new URL(pending.origin) : undefined;
  return {
    id: by?.id ?? randomUUID(),
    startedAt: performance.now(),
    runtime,
    client: by?.client ?? GATEWAY,
    proto: origin?.protocol === 'https:' ? 'https' : 'http',
    host: origin?.host ?? runtime.upstreamHost,
    target: { path: '/', search: '', routingPath: '/' },
  };
}

/**
 * A pending login this caller claimed (deleted) has ended: audits it and logs its app session out
 * upstream. Resolves once the logout is answered (it never rejects: the outcome goes to the log);
 * a request need not wait for it. `by` is the request that ended it, if one did.
 */
export function pendingEnded(
  services: LoginServices,
  runtime: RuntimeConfig,
  pending: PendingRecord,
  end: PendingEnd,
  by?: EndedBy,
): Promise<void> {
  const scope = pendingScope(runtime, pending, by);
  const { event, ...reason } = ENDS[end];
  audit(services.logger, event, {
    user: pending.user,
    role: pending.role,
    step: pending.step,
    ...reason,
    request_id: scope.id,
  });
  return services.logoutUpstream(scope, pending.jar);
}

/**
 * Ends a pending login from a request; true for the one caller that ended it, which audits it and
 * logs its app session out in the background.
 */
export async function endPending(
  scope: RequestScope,
  services: LoginServices,
  pending: PendingRecord,
  end: PendingEnd,
) {
  const claimed = await services.records.endPending(pending.id);
  if (claimed) void pendingEnded(services, scope.runtime, pending, end, scope);
  return claimed;
}

/** Starts a pending login; the user's oldest ones it pushes past the cap end as above, in the background. */
export async function startPending(
  scope: RequestScope,
  services: LoginServices,
  input: NewPending,
): Promise<PendingRecord> {
  const { pending, evicted } = await services.records.createPending(input);
  for (const old of evicted) void pendingEnded(services, scope.runtime, old, 'evicted', scope);
  return pending;
}
