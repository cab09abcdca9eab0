// Owns the HTML of "my sessions and devices" (issue 15, part 3): the person's sessions (the
// current one marked), their trusted browsers and their passkeys, with the forms that end a
// session, every other session, or a browser's trust. Every value is escaped; every form
// carries the session's CSRF token (S10).

import { escapeHtml, renderPage } from '../http/html.js';
import { type FormContext, formHidden, type PasskeyRow, shortDate } from './forms.js';

/** A session as the page lists it. */
export interface SessionRow {
  readonly id: string;
  readonly createdAt: number;
  readonly seenAt: number;
  /** The client address at its login; absent for sessions started before it was recorded. */
  readonly client?: string;
  readonly agent?: string;
  readonly current: boolean;
}

/** A trusted browser as the page lists it. */
export interface TrustedRow {
  readonly id: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly agent: string;
}

export interface SessionsView {
  user: string;
  sessions: readonly SessionRow[];
  trusted: readonly TrustedRow[];
  passkeys: readonly PasskeyRow[];
}

const STYLE = `<style>
ul.items{list-style:none;padding:0}ul.items li{border-top:1px solid #e3e6eb;padding:.7rem 0}
ul.items form{display:inline}button.small{font-size:.85rem;padding:.35rem .8rem;border:0;border-radius:6px;background:#e8ebf0;color:#1d2330;cursor:pointer;margin-top:.4rem}
.current{color:#1a7f37;font-weight:600}
</style>`;

function post(ctx: FormContext, action: string, fields: Record<string, string>, label: string, aria: string): string {
  const extra = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="post" action="${escapeHtml(`${ctx.prefix}${action}`)}">${formHidden(ctx)}${extra}<button type="submit" class="small" aria-label="${escapeHtml(aria)}">${escapeHtml(label)}</button></form>`;
}

/** The sessions and devices page (its link back to the app is the one renderPage gives every page). */
export function sessionsPage(ctx: FormContext, view: SessionsView, message?: string): string {
  const sessions = view.sessions
    .map((session, index) => {
      const what = `${escapeHtml(session.agent ?? 'Unknown browser')}${session.client ? ` from ${escapeHtml(session.client)}` : ''}`;
      const when = `started ${shortDate(session.createdAt)}, last seen ${shortDate(session.seenAt)}`;
      const action = session.current
        ? '<span class="current">This browser</span>'
        : post(ctx, '/account/sessions/end', { session: session.id }, 'End', `End session ${index + 1}`);
      return `<li data-session="${session.current ? 'current' : 'other'}"><strong>${what}</strong><br><span class="muted">${when}</span><br>${action}</li>`;
    })
    .join('');
  const others = view.sessions.some((session) => !session.current)
    ? post(ctx, '/account/sessions/end-others', {}, 'End all other sessions', 'End all other sessions')
    : '';
  const trusted =
    view.trusted.length === 0
      ? '<p class="muted">No browser is trusted to skip the second step.</p>'
      : `<ul class="items" id="trusted">${view.trusted
          .map(
            (browser, index) =>
              `<li><strong>${escapeHtml(browser.agent)}</strong><br><span class="muted">trusted ${shortDate(browser.createdAt)}, last used ${shortDate(browser.lastUsedAt)}</span><br>${post(
                ctx,
                '/account/trusted/revoke',
                { trusted: browser.id },
                'Stop trusting',
                `Stop trusting browser ${index + 1}`,
              )}</li>`,
          )
          .join('')}</ul>`;
  const passkeys =
    view.passkeys.length === 0
      ? '<p class="muted">No passkeys.</p>'
      : `<ul class="items" id="passkey-list">${view.passkeys
          .map(
            (key) =>
              `<li><strong>${escapeHtml(key.name)}</strong><br><span class="muted">added ${shortDate(key.createdAt)}, ${
                key.lastUsedAt === undefined ? 'never used' : `last used ${shortDate(key.lastUsedAt)}`
              }</span></li>`,
          )
          .join('')}</ul>`;
  const error = message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '';
  return renderPage(
    'Your sessions and devices',
    `${STYLE}<h1>Your sessions and devices</h1><p class="muted">Signed in as ${escapeHtml(view.user)}</p>${error}
<h2>Sessions</h2><ul class="items" id="sessions">${sessions}</ul>${others}
<h2>Trusted browsers</h2>${trusted}
<h2>Passkeys</h2>${passkeys}<p><a href="${escapeHtml(ctx.prefix)}/account/passkeys">Manage passkeys</a></p>
<p><a href="${escapeHtml(ctx.prefix)}/account">Account security</a></p>`,
  );
}
