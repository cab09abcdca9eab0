// Owns who may use the gateway's admin pages: a full session of an admin who passed a second
// step at login. A user who holds a second factor is asked for it at every login (policy.ts),
// so an admin's session that holds one passed it; an admin without one (a policy that makes
// the second step optional for admins) is refused, since a password alone must not be enough
// to change who may reach the app.

import { ADMIN_ROLE } from '../access/roles.js';
import { enrolledFactor } from './enrolled-factor.js';
import type { LoginServices } from './services.js';

/** Whether this session is an admin's that passed a second step. */
export async function isVerifiedAdmin(
  services: Pick<LoginServices, 'totp' | 'questions'>,
  session: { readonly user: string; readonly role: string },
): Promise<boolean> {
  if (session.role !== ADMIN_ROLE) return false;
  return (await enrolledFactor(services, session.user)) !== undefined;
}
