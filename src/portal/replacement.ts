// Owns replacing a kind of second step the user's role may no longer use (issue 15): an admin
// who holds security questions after the operator allowed admins only TOTP and passkeys. The
// login asks the questions as ever, so a replacement is never weaker than what the person
// holds; once they pass, the pending login becomes a new one (a new id, S4) that owes an
// enrollment and nothing else: the app stays out of reach until TOTP is enrolled, in one atomic
// write that removes the questions (step-up-routes.ts). Who fails the questions is where they
// were: an operator's reset is the way out.

import { sendRedirect } from '../http/respond.js';
import { audit } from '../ops/audit.js';
import { startPending } from '../session/pending-ends.js';
import type { PendingRecord } from '../session/records.js';
import { issueSessionCookie } from '../session/request-session.js';
import { loginExpired, type RouteContext } from './route-context.js';

/** What the question page says to a person whose questions are being replaced. */
export const REPLACEMENT_NOTE =
  'Your administrator no longer allows security questions for your account. Answer them once more, then set up an authenticator app in their place.';

/** A pending login that owes a replacement passed the questions: on to the enrollment that replaces them. */
export async function startReplacement(ctx: RouteContext, pending: PendingRecord): Promise<void> {
  const { scope, services, prefix } = ctx;
  // Ended first, so that of two tabs passing at once only one goes on (as a promotion does).
  if (!(await services.records.endPending(pending.id))) {
    return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  }
  const next = await startPending(scope, services, {
    user: pending.user,
    role: pending.role,
    step: 'enroll',
    replaces: 'questions',
    jar: pending.jar,
    withheld: pending.withheld,
    origin: pending.origin,
  });
  audit(services.logger, 'enrollment.replacement_started', {
    user: pending.user,
    role: pending.role,
    replaces: 'questions',
    client: scope.client.address,
    request_id: scope.id,
  });
  const cookie = issueSessionCookie(services, ctx.rs, { kind: 'pending', id: next.id });
  sendRedirect(scope, ctx.res, `${prefix}/enroll`, [cookie]);
}
