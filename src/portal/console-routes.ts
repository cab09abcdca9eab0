// Owns the admin console under the gateway prefix (issue 16): GET /admin/users (find a user),
// GET /admin/user?name= (one user) and POST /admin/user (an action on them), GET /admin/audit
// (the recent audit events, filtered). Only an admin's full session that passed a second step
// gets in (admin-access.ts); every action carries the session's CSRF token (S10), a destructive
// one is confirmed by a second post (confirm=yes), and each runs through session/user-admin.ts,
// the code the operator CLI runs, with the admin as the audit line's author. A refusal is shown
// on the user's page with its reason.

import { canonicalUsername, usernameRulesOf } from '../config/username.js';
import { sendHtml, sendRedirect } from '../http/respond.js';
import { authoredAudit } from '../ops/audit-author.js';
import type { AuditFilter } from '../ops/audit-trail.js';
import { csrfToken } from '../session/csrf.js';
import type { SessionRecord } from '../session/records.js';
import {
  AdminRefusedError,
  count,
  endSessions,
  issueFirstEnrollCode,
  knownRoles,
  knownUsers,
  lockText,
  resetFactors,
  revokeTrustedBrowsers,
  setRole,
  trustedBrowsersAdmin,
  type UserAdmin,
  unlockUser,
  userSummary,
} from '../session/user-admin.js';
import { verifiedAdmin } from './admin-access.js';
import {
  auditPage,
  type ConsoleContext,
  type ConsoleMessage,
  confirmPage,
  DESTRUCTIVE,
  type UserAction,
  userPage,
  usersPage,
} from './console-page.js';
import { type PortalPage, postedForm, type RouteContext } from './route-context.js';

const HOME = '/admin';
const USERS = '/admin/users';
const USER = '/admin/user';
const AUDIT = '/admin/audit';
/** Rows a page shows at most: the search or the filters narrow the rest. */
const USERS_SHOWN = 50;
const AUDIT_SHOWN = 200;
const ACTIONS: ReadonlySet<string> = new Set<UserAction>([
  'set-role',
  'enroll-code',
  'unlock',
  'reset-factor',
  'end-sessions',
  'revoke-browsers',
]);
/** A datetime-local input's value, read as UTC (the pages say times are UTC). */
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;

interface ConsoleRoute extends RouteContext {
  session: SessionRecord;
  view: ConsoleContext;
  admin: UserAdmin;
}

/** The shared changes' view of the gateway, with the admin on this page as the audit author. */
function adminOf(ctx: RouteContext, session: SessionRecord): UserAdmin {
  const { scope, services } = ctx;
  const author = { by: 'admin_page', admin: session.user, client: scope.client.address, request_id: scope.id };
  return {
    config: scope.runtime.config,
    roles: scope.runtime.roles,
    state: services,
    factors: [services.totp, services.passkeys, services.questions],
    trustedBrowsers: trustedBrowsersAdmin(services.trusted),
    ...authoredAudit(author, services.logger, services.auditOutbox),
  };
}

/** A username as the login canonicalises it; undefined when the login would refuse it. */
function canonical(ctx: RouteContext, raw: string | null): string | undefined {
  return canonicalUsername(raw ?? '', usernameRulesOf(ctx.login.username));
}

const query = (ctx: RouteContext) => new URLSearchParams(ctx.scope.target.search);

async function showUsers(ctx: ConsoleRoute): Promise<void> {
  const typed = (query(ctx).get('q') ?? '').trim();
  const needle = (canonical(ctx, typed) ?? typed).toLowerCase();
  const found = (await knownUsers(ctx.admin)).filter((user) => user.toLowerCase().includes(needle));
  const rows = await Promise.all(found.slice(0, USERS_SHOWN).map((user) => userSummary(ctx.admin, user)));
  sendHtml(
    ctx.scope,
    ctx.res,
    200,
    usersPage(ctx.view, { query: typed, rows, more: Math.max(0, found.length - USERS_SHOWN) }),
  );
}

async function showUser(ctx: ConsoleRoute, user: string, status: number, message?: ConsoleMessage): Promise<void> {
  const summary = await userSummary(ctx.admin, user);
  const roleFixed =
    summary.role.source === 'admins'
      ? `${user} is listed in users.admins of gateway.yaml and stays an admin whatever the store says.`
      : undefined;
  const roles = [...knownRoles(ctx.scope.runtime.config)].sort();
  sendHtml(ctx.scope, ctx.res, status, userPage(ctx.view, { summary, roles, roleFixed }, message));
}

/** Runs one action through the shared changes; returns the sentence that says what happened. */
async function perform(ctx: ConsoleRoute, user: string, action: UserAction, form: URLSearchParams): Promise<string> {
  const { admin } = ctx;
  switch (action) {
    case 'set-role': {
      const role = form.get('role') || undefined;
      const { before, after, staleSessions } = await setRole(admin, user, role);
      const stale = staleSessions ? `; ${count(staleSessions, 'open session')} keep the old role until ended` : '';
      return `${user}: role ${after.role} from the next sign-in (was ${before.role})${stale}.`;
    }
    case 'enroll-code': {
      const { code, hours } = await issueFirstEnrollCode(admin, user);
      const first = ctx.scope.runtime.config.enrollment.first;
      const unused = first === 'code' ? '' : ` Note: enrollment.first is ${first}, so enrollment does not ask for it.`;
      return `Enrollment code for ${user}: ${code} (single use, valid ${hours} hours, replaces any earlier one).${unused}`;
    }
    case 'unlock': {
      const lifted = await unlockUser(admin, user);
      const now = ctx.services.now();
      const text = lifted.map((lock) => lockText(lock, now)).join(', ');
      return `${user}: ${lifted.length ? `lifted the ${text}` : 'was not locked out'}; failures forgotten.`;
    }
    case 'reset-factor': {
      const { removed, ended } = await resetFactors(admin, user);
      return `${user}: removed ${removed.length ? removed.join(', ') : 'nothing (no factor was enrolled)'}; ended ${count(ended.length, 'session')}.`;
    }
    case 'end-sessions': {
      const ended = await endSessions(admin, user);
      return `${user}: ended ${count(ended.length, 'session')}; every gateway sharing the store refuses them within 2 seconds.`;
    }
    case 'revoke-browsers':
      return `${user}: revoked ${count(await revokeTrustedBrowsers(admin, user), 'trusted browser')}.`;
  }
}

async function act(ctx: ConsoleRoute): Promise<void> {
  const form = await postedForm(ctx, ctx.session.id);
  if (!form) return;
  const user = canonical(ctx, form.get('user'));
  const action = form.get('action') ?? '';
  if (user === undefined || !ACTIONS.has(action)) {
    const text = user === undefined ? 'That is not a username the login accepts.' : `Unknown action "${action}".`;
    const message: ConsoleMessage = { kind: 'error', text };
    return sendHtml(ctx.scope, ctx.res, 400, usersPage(ctx.view, { query: '', rows: [], more: 0 }, message));
  }
  const wanted = action as UserAction;
  // A destructive action runs only from its confirmation page's form: a stray click, or a form
  // replayed without it, changes nothing.
  if (DESTRUCTIVE.has(wanted) && form.get('confirm') !== 'yes') {
    return sendHtml(ctx.scope, ctx.res, 200, confirmPage(ctx.view, user, wanted));
  }
  let message: ConsoleMessage;
  let status = 200;
  try {
    message = { kind: 'done', text: await perform(ctx, user, wanted, form) };
  } catch (error) {
    if (!(error instanceof AdminRefusedError)) throw error;
    message = { kind: 'error', text: `Refused: ${error.message}.` };
    status = 409;
  }
  await showUser(ctx, user, status, message);
}

/** A datetime-local value as ms since the epoch (UTC); undefined when empty; NaN when malformed. */
function timeOf(value: string): number | undefined {
  if (value === '') return undefined;
  return LOCAL_TIME.test(value) ? Date.parse(`${value}Z`) : Number.NaN;
}

async function showAudit(ctx: ConsoleRoute): Promise<void> {
  const params = query(ctx);
  const field = (name: string) => (params.get(name) ?? '').trim();
  const shown = { user: field('user'), event: field('event'), from: field('from'), to: field('to') };
  const from = timeOf(shown.from);
  const to = timeOf(shown.to);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    const view = { filter: shown, lines: [], more: 0 };
    const message: ConsoleMessage = { kind: 'error', text: 'A time is written 2026-12-03T06:40 (UTC).' };
    return sendHtml(ctx.scope, ctx.res, 400, auditPage(ctx.view, view, message));
  }
  const filter: AuditFilter = {
    user: shown.user ? (canonical(ctx, shown.user) ?? shown.user) : undefined,
    event: shown.event || undefined,
    from,
    to,
  };
  const lines = await ctx.services.auditTrail.recent(filter);
  const view = { filter: shown, lines: lines.slice(0, AUDIT_SHOWN), more: Math.max(0, lines.length - AUDIT_SHOWN) };
  sendHtml(ctx.scope, ctx.res, 200, auditPage(ctx.view, view));
}

/** Serves the console's pages to an admin whose login passed a second step. */
async function serveConsole(ctx: RouteContext, route: string): Promise<void> {
  const session = verifiedAdmin(ctx, 'the admin console');
  if (!session) return;
  const view: ConsoleContext = {
    prefix: ctx.prefix,
    admin: session.user,
    csrf: csrfToken(ctx.services.keys.digest, session.id),
    now: ctx.services.now(),
  };
  const consoleRoute: ConsoleRoute = { ...ctx, session, view, admin: adminOf(ctx, session) };
  if (route === HOME) return sendRedirect(ctx.scope, ctx.res, `${ctx.prefix}${USERS}`);
  if (route === USERS) return showUsers(consoleRoute);
  if (route === AUDIT) return showAudit(consoleRoute);
  if (ctx.req.method === 'POST') return act(consoleRoute);
  const user = canonical(ctx, query(ctx).get('name'));
  if (user === undefined) return sendRedirect(ctx.scope, ctx.res, `${ctx.prefix}${USERS}`);
  await showUser(consoleRoute, user, 200);
}

/** The console's pages. */
export const CONSOLE_PAGES: ReadonlyMap<string, PortalPage> = new Map([
  [HOME, { methods: ['GET', 'HEAD'], serve: serveConsole }],
  [USERS, { methods: ['GET', 'HEAD'], serve: serveConsole }],
  [USER, { methods: ['GET', 'HEAD', 'POST'], serve: serveConsole }],
  [AUDIT, { methods: ['GET', 'HEAD'], serve: serveConsole }],
]);
