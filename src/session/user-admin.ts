// Owns the changes an administrator makes to a user, shared by the operator CLI (`gateway users`,
// `gateway sessions`) and the admin console (issue 16): a stored role, a one-time code for a
// first enrollment (S12), a reset of every second factor, the end of sessions, the lifting of
// locks, the revocation of trusted browsers; and what both show of a user (userSummary). Each
// checks what it must refuse (a refusal is an AdminRefusedError with the sentence to show),
// makes the change, writes its audit event through the caller's `audit` (which says who acted),
// and returns what happened; the caller words it.

import { type Lock, lockName, type Regulator } from '../access/regulator.js';
import { ADMIN_ROLE, type RoleSource, resolveRoleSource, roleKey } from '../access/roles.js';
import type { RoleSettings } from '../config/runtime.js';
import type { GatewayConfig } from '../config/schema.js';
import { ENROLL_CODE_TTL_MS, issueEnrollCode } from '../factors/enroll-codes.js';
import type { FactorKind, SecondFactor } from '../factors/factor.js';
import { waitText } from '../http/error-page.js';
import type { AuthoredAudit } from '../ops/audit-author.js';
import type { LoginServices } from './services.js';

/** A second factor as an administrator handles it: is it there, remove it. */
export type AdminFactor = Pick<SecondFactor<never>, 'kind' | 'isEnrolled' | 'removal'>;

export const FACTOR_NAMES: Readonly<Record<FactorKind, string>> = {
  totp: 'TOTP',
  passkey: 'passkeys',
  questions: 'security questions',
};

/** What the changes work on, and how their audit lines say who made them (ops/audit-author.ts). */
export interface UserAdmin extends AuthoredAudit {
  readonly config: Readonly<GatewayConfig>;
  readonly roles: RoleSettings;
  readonly state: Pick<
    LoginServices,
    'store' | 'records' | 'keys' | 'recovery' | 'secondStepLimits' | 'passwordLimits' | 'trusted'
  >;
  /** Every second factor a user may hold; a reset removes them all. */
  readonly factors: readonly AdminFactor[];
  /**
   * A user's trusted browsers (the passkeys work, issue 15), once they exist: counted on the
   * console's pages and revoked by revokeTrustedBrowsers. Absent: the version has none.
   */
  readonly trustedBrowsers?: TrustedBrowsersAdmin;
}

/** What an administrator does with a user's trusted browsers. */
export interface TrustedBrowsersAdmin {
  count(user: string): Promise<number>;
  /** Forgets every trusted browser of the user; how many. */
  revoke(user: string): Promise<number>;
}

/** The administrator's view of the trusted-browser records (issue 15). */
export function trustedBrowsersAdmin(trusted: LoginServices['trusted']): TrustedBrowsersAdmin {
  return {
    count: async (user) => (await trusted.list(user)).length,
    revoke: (user) => trusted.revokeAll(user),
  };
}

/** A change refused, with the sentence that says why (the CLI prints it, the console shows it). */
export class AdminRefusedError extends Error {
  override name = 'AdminRefusedError';
}

/** "1 session", "2 sessions". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export interface CurrentRole {
  role: string;
  source: RoleSource;
  /** The role stored with set-role, which a YAML admin overrides. */
  stored: string | undefined;
}

/** The role a user has now, where it comes from, and the stored one. */
export async function currentRole(admin: UserAdmin, user: string): Promise<CurrentRole> {
  const stored = await admin.state.store.get(roleKey(user));
  return { ...resolveRoleSource(user, admin.roles, stored), stored };
}

/** The names of the factors the user has enrolled. */
export async function enrolledFactorNames(admin: UserAdmin, user: string): Promise<string[]> {
  const enrolled = await Promise.all(admin.factors.map((factor) => factor.isEnrolled(user)));
  return admin.factors.filter((_, i) => enrolled[i]).map((factor) => FACTOR_NAMES[factor.kind]);
}

/** The roles the configuration names. A stored role outside them is most likely a typo, whose policy would be the loosest. */
export function knownRoles(config: Readonly<GatewayConfig>): Set<string> {
  return new Set([
    ADMIN_ROLE,
    config.users.default_role,
    ...Object.keys(config.policy),
    ...Object.values(config.users.roles),
  ]);
}

/** Stores a role for the user (or clears the stored one); returns the role before and after, and the open sessions that keep the old one. */
export async function setRole(
  admin: UserAdmin,
  user: string,
  role: string | undefined,
): Promise<{ before: CurrentRole; after: { role: string; source: RoleSource }; staleSessions: number }> {
  const before = await currentRole(admin, user);
  if (role !== undefined) {
    // Admins listed in gateway.yaml are always admins (issue 6): a stored role cannot demote them.
    if (before.source === 'admins' && role !== ADMIN_ROLE) {
      throw new AdminRefusedError(
        `${user} is listed in users.admins of gateway.yaml and stays an admin whatever the store says: ` +
          `remove ${user} from users.admins to change the role`,
      );
    }
    const known = knownRoles(admin.config);
    if (!known.has(role)) {
      throw new AdminRefusedError(
        `role "${role}" is not named in gateway.yaml (known: ${[...known].sort().join(', ')}): ` +
          'add it to policy first, so that what it must pass is a decision, not a default',
      );
    }
    await admin.state.store.set(roleKey(user), role);
  } else {
    await admin.state.store.delete(roleKey(user));
  }
  const after = resolveRoleSource(user, admin.roles, role);
  admin.audit('users.role_set', { user, role: after.role, stored: role ?? null, previous: before.role });
  // A session carries the role it was created with; the new one applies from the next login.
  const stale = (await admin.state.records.listSessions(user)).filter((session) => session.role !== after.role);
  return { before, after, staleSessions: stale.length };
}

/** Issues a one-time code for a first enrollment; refused when the user already has a factor. */
export async function issueFirstEnrollCode(admin: UserAdmin, user: string): Promise<{ code: string; hours: number }> {
  const enrolled = await enrolledFactorNames(admin, user);
  if (enrolled.length > 0) {
    throw new AdminRefusedError(
      `${user} already has ${enrolled.join(' and ')}: a first-enrollment code is for a user with no factor ` +
        `(gateway users reset-factor ${user} removes it)`,
    );
  }
  const code = await issueEnrollCode(admin.state.store, admin.state.keys.digest, user);
  const hours = ENROLL_CODE_TTL_MS / 3_600_000;
  admin.audit('enrollment.code_issued', { user, valid_hours: hours });
  return { code, hours };
}

/**
 * Removes every record of the user's second factors (TOTP, recovery codes, passkeys, answers) and
 * of the browsers trusted through them, and ends the user's sessions.
 */
export async function resetFactors(admin: UserAdmin, user: string): Promise<{ removed: string[]; ended: string[] }> {
  const { state } = admin;
  const removed = await enrolledFactorNames(admin, user);
  const codes = await state.recovery.remaining(user);
  if (codes > 0) removed.push(count(codes, 'recovery code'));
  const untrusted = (await state.trusted.list(user)).length;
  // One write: a crash leaves every factor in place or none (issue 13), with its audit event,
  // and never a trusted browser (issue 15) nor a session that outlives the factor it passed:
  // the new session epoch ends them all, listed or not, before revoke() deletes the listed.
  const writes = await Promise.all([
    ...admin.factors.map((factor) => factor.removal(user)),
    state.trusted.removal(user),
  ]);
  const audited = admin.auditChange(user, 'enrollment.factor_reset', { user, removed });
  await state.store.writeAll([...writes.flat(), state.records.sessionsEnding(user), ...(await audited.writes())]);
  // Sessions opened with the lost factor end too: whoever holds the phone may hold one of them.
  const ended = await state.records.revoke(user);
  if (untrusted > 0) admin.audit('trusted_browser.revoked', { user, browsers: untrusted, reason: 'factor reset' });
  await audited.emit({ sessions_ended: ended.length });
  if (ended.length > 0) admin.audit('session.revoked', { user, sessions: ended.length, reason: 'factor reset' });
  return { removed, ended };
}

/** Ends every session of a user, or of everyone; returns the ids it ended. */
export async function endSessions(admin: UserAdmin, user: string | undefined): Promise<string[]> {
  const ended = await admin.state.records.revoke(user ?? { all: true });
  admin.audit('session.revoked', user ? { user, sessions: ended.length } : { all: true, sessions: ended.length });
  return ended;
}

/** The two layers whose locks an administrator sees and lifts, each with its own limits. */
export function lockLayers(admin: UserAdmin): Array<[string, Regulator]> {
  return [
    ['second step', admin.state.secondStepLimits],
    ['password', admin.state.passwordLimits],
  ];
}

/** A lock that stands on a user, and the layer it is in. */
export interface UserLock {
  readonly layer: string;
  readonly lock: Lock;
}

/** "password lock at 203.0.113.7 (about 14 minutes left)", as `gateway users show` and the console say it. */
export function lockText({ layer, lock }: UserLock, now: number): string {
  const where = lock.scope === 'pair' ? `at ${lock.address}` : lock.scope === 'user' ? 'everywhere' : 'for everyone';
  return `${layer} lock ${where} (${waitText(Math.ceil((lock.until - now) / 1000))} left)`;
}

/** The locks that stand on a user, in both layers. */
export async function userLocks(admin: UserAdmin, user: string): Promise<UserLock[]> {
  const locks: UserLock[] = [];
  for (const [layer, regulator] of lockLayers(admin)) {
    for (const lock of await regulator.locksOf(user)) locks.push({ layer, lock });
  }
  return locks;
}

/** Lifts every lock on the user in both layers and forgets their failures; returns the locks lifted. */
export async function unlockUser(admin: UserAdmin, user: string): Promise<UserLock[]> {
  const lifted: UserLock[] = [];
  for (const [layer, regulator] of lockLayers(admin)) {
    for (const lock of await regulator.unlockUser(user)) lifted.push({ layer, lock });
  }
  admin.audit('lockout.lifted', { user, locks: lifted.map(({ layer, lock }) => `${layer}:${lockName(lock)}`) });
  return lifted;
}

/** Forgets every trusted browser of the user; refused in a version without them. */
export async function revokeTrustedBrowsers(admin: UserAdmin, user: string): Promise<number> {
  if (!admin.trustedBrowsers) throw new AdminRefusedError('this gateway keeps no trusted browsers');
  const revoked = await admin.trustedBrowsers.revoke(user);
  admin.audit('trusted_browser.revoked', { user, browsers: revoked });
  return revoked;
}

/** What the console shows of a user: role, factors, locks, sessions, trusted browsers, last sign-in. */
export interface UserSummary {
  readonly user: string;
  readonly role: CurrentRole;
  readonly factors: readonly string[];
  readonly recoveryCodes: number;
  readonly locks: readonly UserLock[];
  readonly sessions: number;
  /** undefined: the version keeps no trusted browsers. */
  readonly trustedBrowsers: number | undefined;
  readonly lastSignIn: number | undefined;
}

/** Reads what the console shows of one user. */
export async function userSummary(admin: UserAdmin, user: string): Promise<UserSummary> {
  const { state } = admin;
  return {
    user,
    role: await currentRole(admin, user),
    factors: await enrolledFactorNames(admin, user),
    recoveryCodes: await state.recovery.remaining(user),
    locks: await userLocks(admin, user),
    sessions: (await state.records.listSessions(user)).length,
    trustedBrowsers: await admin.trustedBrowsers?.count(user),
    lastSignIn: await state.records.lastSignIn(user),
  };
}

/**
 * The users an administrator can find by name: those who ever signed in, and those gateway.yaml
 * names (admins, fixed roles), sorted. A user known only to the store (a role set before any
 * sign-in) is opened by their exact name.
 */
export async function knownUsers(admin: UserAdmin): Promise<string[]> {
  const names = new Set([
    ...(await admin.state.records.signedInUsers()),
    ...admin.roles.admins,
    ...Object.keys(admin.roles.roles),
  ]);
  return [...names].sort();
}
