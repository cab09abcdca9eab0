// Owns "my sessions and devices" (issue 15, part 3): a signed-in person sees their sessions,
// trusted browsers and passkeys, ends one session or every other one, and stops trusting a
// browser. Only their own: an id that is not theirs ends nothing. Records are ended in the
// store, so every gateway sees it within its 2-second record cache (sessions) or at once
// (trusted browsers, read at every use). Each change is an audit event.

import { sendHtml } from '../http/respond.js';
import { audit } from '../ops/audit.js';
import { csrfToken } from '../session/csrf.js';
import { endSession } from '../session/end-session.js';
import type { SessionRecord } from '../session/records.js';
import { postedForm, type RouteContext } from './route-context.js';
import { sessionsPage } from './sessions-view.js';

/** The routes of the page and its forms. */
export const SESSIONS_ROUTES = [
  '/account/sessions',
  '/account/sessions/end',
  '/account/sessions/end-others',
  '/account/trusted/revoke',
] as const;

async function render(ctx: RouteContext, session: SessionRecord, status: number, message?: string): Promise<void> {
  const { services, prefix, scope } = ctx;
  const user = session.user;
  const sessions = (await services.records.listSessions(user))
    .sort((a, b) => b.seenAt - a.seenAt)
    .map((record) => ({
      id: record.id,
      createdAt: record.createdAt,
      seenAt: record.seenAt,
      client: record.client,
      agent: record.agent,
      current: record.id === session.id,
    }));
  sendHtml(
    scope,
    ctx.res,
    status,
    sessionsPage(
      { prefix, csrf: csrfToken(services.keys.digest, session.id) },
      {
        user,
        sessions,
        trusted: await services.trusted.list(user),
        passkeys: await services.passkeys.list(user),
      },
      message,
    ),
  );
}

/** Serves the page (GET) and its three forms (POST). */
export async function sessionsAccount(ctx: RouteContext, session: SessionRecord, route: string): Promise<void> {
  const { services, scope } = ctx;
  const user = session.user;
  if (ctx.req.method !== 'POST' || route === '/account/sessions') return render(ctx, session, 200);
  const form = await postedForm(ctx, session.id);
  if (!form) return;
  const facts = { user, by: 'user', client: scope.client.address, request_id: scope.id };
  if (route === '/account/sessions/end') {
    const id = form.get('session') ?? '';
    const theirs = (await services.records.listSessions(user)).some((record) => record.id === id);
    if (!theirs || id === session.id) return render(ctx, session, 404, 'That session has already ended.');
    await endSession(services, scope, id, 'ended from the sessions page');
    audit(services.logger, 'session.revoked', { ...facts, sessions: 1 });
  } else if (route === '/account/sessions/end-others') {
    const ended = await services.records.endOtherSessions(user, session.id);
    audit(services.logger, 'session.revoked', { ...facts, sessions: ended.length });
  } else {
    if (!(await services.trusted.revoke(user, form.get('trusted') ?? ''))) {
      return render(ctx, session, 404, 'That browser is no longer trusted.');
    }
    audit(services.logger, 'trusted_browser.revoked', { ...facts, browsers: 1 });
  }
  return render(ctx, session, 200);
}
