// Owns the HTML of the admin console (issue 16): the navigation every admin page shares, the
// users list with its search, a user's page with its actions, the confirmation a destructive
// action asks for (a second form post, no script needed), and the recent audit events with
// their filters. Every form carries its CSRF token (S10); every value is escaped.

import { escapeHtml, renderPage } from '../http/html.js';
import type { AuditLine } from '../ops/audit-trail.js';
import { lockText, type UserSummary } from '../session/user-admin.js';

/** What every console page knows: the prefix, the admin, the session's CSRF token, the time. */
export interface ConsoleContext {
  readonly prefix: string;
  readonly admin: string;
  readonly csrf: string;
  readonly now: number;
}

export type ConsoleMessage = { readonly kind: 'error' | 'done'; readonly text: string };

/** The actions on a user; the destructive ones are confirmed first. */
export type UserAction = 'set-role' | 'enroll-code' | 'unlock' | 'reset-factor' | 'end-sessions' | 'revoke-browsers';

export const DESTRUCTIVE: ReadonlySet<UserAction> = new Set(['reset-factor', 'end-sessions', 'revoke-browsers']);

const CONSOLE_STYLE = `<style>
main{max-width:60rem}
nav.admin{display:flex;gap:1rem;flex-wrap:wrap;border-bottom:1px solid #e3e6eb;padding-bottom:.6rem;margin-bottom:1rem}
nav.admin a[aria-current]{font-weight:700;text-decoration:none;color:#1d2330}
div.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
dd{margin:0 0 .4rem 1rem}
th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #f0f1f4;vertical-align:top}
code{font-family:ui-monospace,monospace}
section{border-top:1px solid #e3e6eb;padding-top:.6rem;margin-top:1rem}
h2{font-size:1.05rem;margin:.2rem 0}
form.inline{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:.4rem 0}
input[type=text],input[type=search],input[type=datetime-local],select{font-size:1rem;padding:.45rem;border:1px solid #c5cad3;border-radius:8px;background:#fff}
button{font-size:.95rem;padding:.5rem 1rem;border:0;border-radius:8px;background:#2456c9;color:#fff;cursor:pointer}
button.danger{background:#a3121d}
.error{color:#a3121d;background:#fdecee;padding:.6rem;border-radius:8px}
.done{color:#0f5b2a;background:#e6f6ec;padding:.6rem;border-radius:8px}
.facts{color:#445;word-break:break-word}
</style>`;

const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;

/** "2026-12-03 06:41:07Z": UTC to the second, as the CLI prints times. */
export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** The links between the admin pages, the current one marked. */
export function adminNav(prefix: string, current: 'users' | 'audit' | 'allowlists'): string {
  const link = (page: typeof current, path: string, text: string) =>
    `<a href="${escapeHtml(prefix)}${path}"${page === current ? ' aria-current="page"' : ''}>${text}</a>`;
  return `<nav class="admin" aria-label="Admin console">${link('users', '/admin/users', 'Users')}${link(
    'audit',
    '/admin/audit',
    'Audit events',
  )}${link('allowlists', '/admin/allowlists', 'Staff IP allowlists')}<a href="${escapeHtml(prefix)}/account">Your account</a></nav>`;
}

function notice(message?: ConsoleMessage): string {
  if (!message) return '';
  return message.kind === 'error'
    ? `<p class="error" role="alert">${escapeHtml(message.text)}</p>`
    : `<p class="done" role="status">${escapeHtml(message.text)}</p>`;
}

function page(ctx: ConsoleContext, title: string, current: 'users' | 'audit', body: string): string {
  return renderPage(
    title,
    `${CONSOLE_STYLE}${adminNav(ctx.prefix, current)}<h1>${escapeHtml(title)}</h1>
<p class="muted">Signed in as ${escapeHtml(ctx.admin)}. Times are UTC.</p>${body}`,
  );
}

const userHref = (ctx: ConsoleContext, user: string) =>
  `${escapeHtml(ctx.prefix)}/admin/user?name=${escapeHtml(encodeURIComponent(user))}`;

function locksText(ctx: ConsoleContext, summary: UserSummary): string {
  return summary.locks.length ? summary.locks.map((lock) => lockText(lock, ctx.now)).join('; ') : 'none';
}

function browsersText(summary: UserSummary): string {
  return summary.trustedBrowsers === undefined ? 'not kept by this version' : String(summary.trustedBrowsers);
}

export interface UsersView {
  readonly query: string;
  readonly rows: readonly UserSummary[];
  /** How many more users match than are shown. */
  readonly more: number;
}

/** The users list: a search form, and a row per user found. */
export function usersPage(ctx: ConsoleContext, view: UsersView, message?: ConsoleMessage): string {
  const rows = view.rows.map(
    (
      row,
    ) => `<tr data-user="${escapeHtml(row.user)}"><td><a href="${userHref(ctx, row.user)}">${escapeHtml(row.user)}</a></td>
<td>${escapeHtml(row.role.role)}</td><td>${escapeHtml(row.factors.join(', ') || 'none')}</td><td>${escapeHtml(locksText(ctx, row))}</td>
<td>${row.sessions}</td><td>${escapeHtml(browsersText(row))}</td><td>${row.lastSignIn === undefined ? 'never' : utcTime(row.lastSignIn)}</td></tr>`,
  );
  const table = rows.length
    ? `<div class="scroll"><table><thead><tr><th>User</th><th>Role</th><th>Second step</th><th>Locks</th><th>Sessions</th><th>Trusted browsers</th><th>Last sign-in</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`
    : '<p>No user matches.</p>';
  const more = view.more > 0 ? `<p class="muted">${view.more} more match: narrow the search.</p>` : '';
  const exact = view.query
    ? `<p class="muted">Not listed? Users are listed once they signed in or gateway.yaml names them: <a href="${userHref(ctx, view.query)}">open ${escapeHtml(view.query)}</a>.</p>`
    : '';
  return page(
    ctx,
    'Users',
    'users',
    `${notice(message)}<form method="get" class="inline" role="search" action="${escapeHtml(ctx.prefix)}/admin/users">
<label for="q">Find a user</label><input type="search" id="q" name="q" maxlength="256" value="${escapeHtml(view.query)}">
<button type="submit">Search</button></form>
${table}${more}${exact}`,
  );
}

export interface UserView {
  readonly summary: UserSummary;
  /** The roles a stored role may name. */
  readonly roles: readonly string[];
  /** Why the role cannot be changed here, when gateway.yaml fixes it. */
  readonly roleFixed?: string;
}

function actionForm(ctx: ConsoleContext, user: string, action: UserAction, button: string, fields = ''): string {
  const danger = DESTRUCTIVE.has(action) ? ' class="danger"' : '';
  return `<form method="post" class="inline" action="${escapeHtml(ctx.prefix)}/admin/user">
${hidden('csrf_token', ctx.csrf)}${hidden('user', user)}${hidden('action', action)}${fields}
<button type="submit"${danger}>${escapeHtml(button)}</button></form>`;
}

/** One user: what the gateway knows of them, and the actions on them. */
export function userPage(ctx: ConsoleContext, view: UserView, message?: ConsoleMessage): string {
  const { summary } = view;
  const { user, role } = summary;
  const options = [
    `<option value="">(none stored: from gateway.yaml)</option>`,
    ...view.roles.map(
      (name) =>
        `<option value="${escapeHtml(name)}"${name === role.stored ? ' selected' : ''}>${escapeHtml(name)}</option>`,
    ),
  ].join('');
  const roleForm = view.roleFixed
    ? `<p class="muted">${escapeHtml(view.roleFixed)}</p>`
    : actionForm(
        ctx,
        user,
        'set-role',
        'Set role',
        `<label for="role">Stored role</label><select id="role" name="role">${options}</select>`,
      );
  const browsers =
    summary.trustedBrowsers === undefined
      ? ''
      : `<section><h2>Trusted browsers</h2><p>${summary.trustedBrowsers} trusted.</p>${actionForm(ctx, user, 'revoke-browsers', 'Revoke trusted browsers')}</section>`;
  return page(
    ctx,
    `User ${user}`,
    'users',
    `${notice(message)}
<dl id="user-facts">
<dt>Role</dt><dd id="user-role">${escapeHtml(role.role)} (${escapeHtml(role.source)})</dd>
<dt>Second step</dt><dd id="user-factors">${escapeHtml(summary.factors.join(', ') || 'none')}; ${summary.recoveryCodes} recovery codes left</dd>
<dt>Locks</dt><dd id="user-locks">${escapeHtml(locksText(ctx, summary))}</dd>
<dt>Open sessions</dt><dd id="user-sessions">${summary.sessions}</dd>
<dt>Trusted browsers</dt><dd>${escapeHtml(browsersText(summary))}</dd>
<dt>Last sign-in</dt><dd>${summary.lastSignIn === undefined ? 'never' : utcTime(summary.lastSignIn)}</dd>
</dl>
<section><h2>Role</h2>${roleForm}<p class="muted">A new role applies from the next sign-in; end the sessions to apply it now.</p></section>
<section><h2>Sessions</h2>${actionForm(ctx, user, 'end-sessions', 'End all sessions')}</section>
<section><h2>Second step</h2>${actionForm(ctx, user, 'reset-factor', 'Reset second step')}
${actionForm(ctx, user, 'enroll-code', 'Issue an enrollment code')}</section>
<section><h2>Locks</h2>${actionForm(ctx, user, 'unlock', 'Unlock')}</section>
${browsers}
<p><a href="${escapeHtml(ctx.prefix)}/admin/audit?user=${escapeHtml(encodeURIComponent(user))}">Audit events of ${escapeHtml(user)}</a></p>`,
  );
}

const CONFIRMATIONS: Readonly<Record<string, { title: string; text: string; button: string }>> = {
  'reset-factor': {
    title: 'Reset the second step of',
    text: 'Removes every second factor and recovery code of this user and ends their sessions. Their next sign-in sets up a factor again.',
    button: 'Yes, reset the second step',
  },
  'end-sessions': {
    title: 'End every session of',
    text: 'Signs this user out everywhere: every gateway sharing the store refuses their sessions within 2 seconds.',
    button: 'Yes, end every session',
  },
  'revoke-browsers': {
    title: 'Revoke the trusted browsers of',
    text: 'Every browser this user marked as trusted asks for the second step again at its next sign-in.',
    button: 'Yes, revoke them',
  },
};

/** The confirmation of a destructive action: the same form again, with confirm=yes. */
export function confirmPage(ctx: ConsoleContext, user: string, action: UserAction): string {
  const confirmation = CONFIRMATIONS[action] ?? { title: 'Confirm for', text: '', button: 'Yes' };
  return page(
    ctx,
    `${confirmation.title} ${user}?`,
    'users',
    `<p>${escapeHtml(confirmation.text)}</p>
${actionForm(ctx, user, action, confirmation.button, hidden('confirm', 'yes'))}
<p><a href="${userHref(ctx, user)}">Cancel</a></p>`,
  );
}

export interface AuditView {
  readonly filter: { readonly user: string; readonly event: string; readonly from: string; readonly to: string };
  readonly lines: readonly AuditLine[];
  /** How many more lines match than are shown. */
  readonly more: number;
}

const AUTHOR_FACTS = new Set(['by', 'admin', 'operator']);

/** Who made the change: the admin on a page, the operator at the CLI; empty for the gateway's own events. */
function author(line: AuditLine): string {
  const { by, admin, operator } = line.facts;
  const who = typeof admin === 'string' ? admin : typeof operator === 'string' ? operator : undefined;
  return who === undefined ? '' : `${who}${typeof by === 'string' ? ` (${by})` : ''}`;
}

/** The recent audit events, newest first, with the filters' form. */
export function auditPage(ctx: ConsoleContext, view: AuditView, message?: ConsoleMessage): string {
  const { filter } = view;
  const rows = view.lines.map((line) => {
    const { user, ...rest } = line.facts;
    const facts = Object.entries(rest)
      .filter(([key]) => !AUTHOR_FACTS.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    return `<tr><td>${utcTime(line.at)}</td><td><code>${escapeHtml(line.event)}</code></td><td>${escapeHtml(
      typeof user === 'string' ? user : '',
    )}</td><td>${escapeHtml(author(line))}</td><td class="facts">${escapeHtml(facts)}</td></tr>`;
  });
  const field = (name: keyof AuditView['filter'], label: string, type: string) =>
    `<label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${escapeHtml(filter[name])}"${
      type === 'text' ? ' maxlength="256"' : ''
    }>`;
  return page(
    ctx,
    'Audit events',
    'audit',
    `<form method="get" class="inline" action="${escapeHtml(ctx.prefix)}/admin/audit">
${field('user', 'User', 'text')}${field('event', 'Event', 'text')}${field('from', 'From', 'datetime-local')}${field('to', 'To', 'datetime-local')}
<button type="submit">Filter</button></form>
<p class="muted">An event name (session.revoked) or its family (session). The trail keeps the newest events of every gateway sharing the store.</p>
${notice(message)}
${
  rows.length
    ? `<div class="scroll"><table id="audit-events"><thead><tr><th>Time</th><th>Event</th><th>User</th><th>By</th><th>Details</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`
    : '<p>No event matches.</p>'
}${view.more > 0 ? `<p class="muted">${view.more} older events match: narrow the filters.</p>` : ''}`,
  );
}
