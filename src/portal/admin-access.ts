// Owns who may use the gateway's admin pages: a full session of an admin whose login passed a
// second step (the session records it). Holding a factor now is not enough: where the policy
// makes the step optional for admins, a password alone gives a session in which a factor can
// then be enrolled, and a password alone must not be enough to change who may reach the app.

import { ADMIN_ROLE } from '../access/roles.js';
import type { SessionRecord } from '../session/records.js';

/** Whether this session is an admin's that passed a second step at its login. */
export function isVerifiedAdmin(session: Pick<SessionRecord, 'role' | 'secondStep'>): boolean {
  return session.role === ADMIN_ROLE && session.secondStep !== 'none';
}
