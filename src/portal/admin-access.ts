// Owns who may use the gateway's admin pages (the console, the allowlists): a full session of an
// admin whose login passed a second step (the session records it). Holding a factor now is not
// enough: where the policy makes the step optional for admins, a password alone gives a session
// in which a factor can then be enrolled, and a password alone must not be enough to change who
// may reach the app. Every admin page asks verifiedAdmin first, so the rule is written once.

import { ADMIN_ROLE } from '../access/roles.js';
import { sendError, sendRedirect } from '../http/respond.js';
import type { SessionRecord } from '../session/records.js';
import type { RouteContext } from './route-context.js';

/** Whether this session is an admin's that passed a second step at its login (a trusted browser's skip does not count). */
export function isVerifiedAdmin(session: Pick<SessionRecord, 'role' | 'secondStep'>): boolean {
  return session.role === ADMIN_ROLE && session.secondStep !== 'none' && session.secondStep !== 'trusted_browser';
}

/**
 * The guard of every admin page: the verified admin's session, or undefined when the answer is
 * already sent (nobody signed in: the login page; anyone else: 403, after `refused` ran, so that
 * a page can audit a refused change).
 */
export function verifiedAdmin(
  ctx: RouteContext,
  page: string,
  refused?: (session: SessionRecord) => void,
): SessionRecord | undefined {
  const { scope, req, res, rs } = ctx;
  const session = rs.session;
  if (!session) {
    sendRedirect(scope, res, ctx.login.page);
    return undefined;
  }
  scope.session = { id: session.id, user: session.user, role: session.role };
  if (isVerifiedAdmin(session)) return session;
  refused?.(session);
  sendError(scope, req, res, 'ADMIN_ONLY', `${session.user} (${session.role}, ${session.secondStep}) on ${page}`);
  return undefined;
}
