// Owns the gateway's login pages under the prefix: the second step of a pending login, the
// first enrollment a required second step may demand, the account page (enroll, disable)
// and the gateway's own logout. Forms carry CSRF tokens bound to their login (S10); every
// failure says the same thing (S5); enrollment changes are guarded and audited (S12).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { subjectsOf } from '../access/regulator.js';
import type { LoginSettings } from '../config/sections/login.js';
import { BodyTooLargeError, readForm } from '../http/read-body.js';
import { sendError, sendHtml, sendRedirect } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import { audit } from '../ops/audit.js';
import { accountPage, enrollPage, messagePage, recoveryCodesPage, stepUpPage } from '../pages/forms.js';
import { csrfToken, csrfValid } from '../session/csrf.js';
import type { PendingRecord, SessionRecord } from '../session/records.js';
import { endSession } from './end-session.js';
import { enrollCodeAccepted } from './enroll-codes.js';
import { replayWithheld } from './replay.js';
import {
  clearSessionCookie,
  issueSessionCookie,
  type RequestSession,
  resolveRequestSession,
} from './request-session.js';
import type { LoginServices } from './services.js';
import { logoutUpstream } from './upstream-logout.js';

const GENERIC_FAILURE = 'That code did not work. Please try again.';
const FORM_BYTES = 8 * 1024;
const RECOVERY_CODE = /^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$/;

/** Whether this user may enroll a first factor from here (S12), and whether an operator's code is needed. */
function firstEnrollment(scope: RequestScope): 'allowed' | 'needs-code' | 'refused' {
  const { enrollment } = scope.runtime.config;
  if (enrollment.first === 'open') return 'allowed';
  if (enrollment.first === 'code') return 'needs-code';
  return scope.runtime.enrollmentNetworks.contains(scope.client.address) ? 'allowed' : 'refused';
}

interface RouteContext {
  scope: RequestScope;
  req: IncomingMessage;
  res: ServerResponse;
  rs: RequestSession;
  services: LoginServices;
  prefix: string;
  login: LoginSettings;
}

/** Reads a posted form and checks its CSRF token against the login it is bound to; answers 403 itself when it fails. */
async function postedForm(ctx: RouteContext, boundTo: string): Promise<URLSearchParams | undefined> {
  let form: URLSearchParams;
  try {
    form = await readForm(ctx.req, FORM_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    sendError(ctx.scope, ctx.req, ctx.res, 'BODY_TOO_LARGE', error.message);
    return undefined;
  }
  if (!csrfValid(ctx.services.keys.digest, boundTo, form.get('csrf_token'))) {
    sendError(ctx.scope, ctx.req, ctx.res, 'CSRF_INVALID', 'missing or wrong CSRF token');
    return undefined;
  }
  return form;
}

/** A pending login is over (expired, or killed by wrong answers): clear the cookie, point at the login page. */
function loginExpired(ctx: RouteContext, message: string): void {
  sendHtml(
    ctx.scope,
    ctx.res,
    401,
    messagePage('Please sign in again', message, { href: ctx.login.page, text: 'Sign in' }),
    [clearSessionCookie(ctx.rs)],
  );
}

/** Ends a pending login that had too many wrong answers, and the app session it withheld. */
async function abandon(ctx: RouteContext, pending: PendingRecord): Promise<void> {
  await ctx.services.records.endPending(pending.id);
  logoutUpstream(ctx.scope, ctx.services, pending.jar);
  audit(ctx.services.logger, 'step_up.abandoned', {
    user: pending.user,
    reason: 'too many wrong answers',
    request_id: ctx.scope.id,
  });
}

type CheckResult = 'passed' | 'failed' | 'ended' | 'answered';

/**
 * Runs one second-step check under the guessing limits (S5). Checks of a user run one at a
 * time, so a failure's lockout is seen by the next guess; a pending login's attempt is counted
 * before its check, so parallel guesses cannot exceed pending_attempts; a failure counts per
 * user and per address. 'answered': locked out (429 sent); 'ended': the pending login is over.
 */
function limitedCheck(
  ctx: RouteContext,
  user: string,
  pending: PendingRecord | undefined,
  label: string,
  check: () => Promise<{ ok: true } | { ok: false; reason: string }>,
): Promise<CheckResult> {
  const { services, scope } = ctx;
  const limit = scope.runtime.config.limits.pending_attempts;
  return services.oneAtATime(user, async () => {
    if (await lockedOut(ctx, user)) return 'answered';
    const attempts = pending ? await services.records.countAttempt(pending) : 0;
    if (pending && attempts > limit) {
      await abandon(ctx, pending);
      return 'ended';
    }
    const outcome = await check();
    if (outcome.ok) return 'passed';
    const locked = await services.secondStepLimits.fail(subjectsOf(user, scope.client.address));
    audit(services.logger, 'step_up.failed', {
      user,
      reason: `${label} ${outcome.reason}`,
      attempts: pending ? attempts : undefined,
      client: scope.client.address,
      request_id: scope.id,
    });
    if (locked.length > 0) {
      audit(services.logger, 'lockout.started', { user, subjects: locked, layer: 'second_step', request_id: scope.id });
    }
    if (pending && (attempts >= limit || locked.length > 0)) {
      await abandon(ctx, pending);
      return 'ended';
    }
    return 'failed';
  });
}

async function lockedOut(ctx: RouteContext, user: string): Promise<boolean> {
  const locked = await ctx.services.secondStepLimits.locked(subjectsOf(user, ctx.scope.client.address));
  if (locked.length === 0) return false;
  audit(ctx.services.logger, 'lockout.refused', { user, subjects: locked, request_id: ctx.scope.id });
  sendError(ctx.scope, ctx.req, ctx.res, 'LOCKED_OUT', `locked: ${locked.join(', ')}`);
  return true;
}

/** Turns a passed pending login into a full session (a new id, S4). */
/**
 * Turns a passed pending login into a full session (a new id, S4). Two requests passing the
 * same pending login at once (two valid codes of adjacent steps) promote it once: the pending
 * record is ended first, and only the request that ended it gets a session.
 */
async function promote(
  ctx: RouteContext,
  pending: PendingRecord,
): Promise<{ session: SessionRecord; cookie: string } | undefined> {
  if (!(await ctx.services.records.endPending(pending.id))) return undefined;
  const session = await ctx.services.records.createSession(pending.user, pending.role, pending.jar);
  return { session, cookie: issueSessionCookie(ctx.services, ctx.rs, { kind: 'session', id: session.id }) };
}

async function stepUp(ctx: RouteContext): Promise<void> {
  const { rs, scope, services, prefix } = ctx;
  const pending = rs.pending;
  if (!pending) return loginExpired(ctx, 'Your sign-in expired. Please sign in again.');
  if (pending.step === 'enroll') return sendRedirect(scope, ctx.res, `${prefix}/enroll`);
  const csrf = csrfToken(services.keys.digest, pending.id);
  if (ctx.req.method === 'GET') return sendHtml(scope, ctx.res, 200, stepUpPage({ prefix, csrf }));

  const form = await postedForm(ctx, pending.id);
  if (!form) return;
  const code = (form.get('code') ?? '').trim();
  const recovery = RECOVERY_CODE.test(code);
  const result = await limitedCheck(ctx, pending.user, pending, recovery ? 'recovery code' : 'totp', async () =>
    recovery
      ? (await services.recovery.consume(pending.user, code))
        ? { ok: true }
        : { ok: false, reason: 'wrong' }
      : services.totp.verify(pending.user, code),
  );
  if (result === 'answered') return;
  if (result === 'ended') return loginExpired(ctx, 'Too many wrong codes. Please sign in again.');
  if (result === 'failed') return sendHtml(scope, ctx.res, 401, stepUpPage({ prefix, csrf }, GENERIC_FAILURE));
  const promoted = await promote(ctx, pending);
  if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  const { session, cookie } = promoted;
  audit(services.logger, 'step_up.passed', {
    user: session.user,
    method: recovery ? 'recovery_code' : 'totp',
    client: scope.client.address,
    request_id: scope.id,
  });
  if (recovery)
    audit(services.logger, 'enrollment.recovery_code_used', {
      user: session.user,
      left: await services.recovery.remaining(session.user),
    });
  replayWithheld(scope, ctx.res, pending.withheld, [cookie], ctx.login.landing_path);
}

/** TOTP enrollment, for a pending login that owes one or a signed-in user from the account page. */
async function enroll(
  ctx: RouteContext,
  owner: { user: string; boundTo: string; action: string },
  pending?: PendingRecord,
): Promise<void> {
  const { scope, services, prefix } = ctx;
  const permission = firstEnrollment(scope);
  if (permission === 'refused') {
    audit(services.logger, 'enrollment.refused', {
      user: owner.user,
      reason: 'network',
      client: scope.client.address,
      request_id: scope.id,
    });
    return sendError(scope, ctx.req, ctx.res, 'ENROLLMENT_REFUSED', 'first enrollment outside enrollment.networks');
  }
  if (await services.totp.isEnrolled(owner.user)) return sendRedirect(scope, ctx.res, `${prefix}/account`);
  const csrf = csrfToken(services.keys.digest, owner.boundTo);
  const view = async (message?: string) => {
    const { secret, qrSvg, uri } = await services.totp.beginEnrollment(owner.user);
    return enrollPage(
      { prefix, csrf },
      { secret, qrSvg, uri, action: owner.action, askEnrollCode: permission === 'needs-code' },
      message,
    );
  };
  if (ctx.req.method === 'GET') return sendHtml(scope, ctx.res, 200, await view());

  const form = await postedForm(ctx, owner.boundTo);
  if (!form) return;
  const answer = async (result: CheckResult) => {
    if (result === 'ended') loginExpired(ctx, 'Too many wrong codes. Please sign in again.');
    else if (result === 'failed') sendHtml(scope, ctx.res, 401, await view(GENERIC_FAILURE));
  };
  if (permission === 'needs-code') {
    const codeCheck = await limitedCheck(ctx, owner.user, pending, 'enrollment code', async () =>
      (await enrollCodeAccepted(services, owner.user, form.get('enroll_code') ?? ''))
        ? { ok: true }
        : { ok: false, reason: 'wrong' },
    );
    if (codeCheck !== 'passed') return answer(codeCheck);
  }
  const confirmed = await limitedCheck(ctx, owner.user, pending, 'enrollment', () =>
    services.totp.confirmEnrollment(owner.user, form.get('code') ?? ''),
  );
  if (confirmed !== 'passed') return answer(confirmed);
  const codes = await services.recovery.issue(owner.user);
  audit(services.logger, 'enrollment.totp_enrolled', {
    user: owner.user,
    client: scope.client.address,
    request_id: scope.id,
  });
  const cookies: string[] = [];
  if (pending) {
    const promoted = await promote(ctx, pending);
    if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
    const { session, cookie } = promoted;
    cookies.push(cookie);
    audit(services.logger, 'step_up.passed', {
      user: session.user,
      method: 'enrollment',
      client: scope.client.address,
      request_id: scope.id,
    });
  }
  sendHtml(
    scope,
    ctx.res,
    200,
    recoveryCodesPage(codes, pending ? ctx.login.landing_path : `${prefix}/account`),
    cookies,
  );
}

async function account(ctx: RouteContext, session: SessionRecord, route: string): Promise<void> {
  const { scope, services, prefix } = ctx;
  const csrf = csrfToken(services.keys.digest, session.id);
  const render = async (status: number, message?: string) =>
    sendHtml(
      scope,
      ctx.res,
      status,
      accountPage(
        { prefix, csrf },
        {
          user: session.user,
          totpEnrolled: await services.totp.isEnrolled(session.user),
          recoveryCodesLeft: await services.recovery.remaining(session.user),
        },
        message,
      ),
    );
  if (route === '/account' && ctx.req.method === 'GET') return render(200);
  if (route === '/account/enroll') {
    return enroll(ctx, { user: session.user, boundTo: session.id, action: `${prefix}/account/enroll` });
  }
  if (route === '/account/disable' && ctx.req.method === 'POST') {
    const form = await postedForm(ctx, session.id);
    if (!form) return;
    const result = await limitedCheck(ctx, session.user, undefined, 'disable', () =>
      services.totp.disable(session.user, form.get('code') ?? ''),
    );
    if (result === 'answered') return;
    if (result !== 'passed') return render(401, GENERIC_FAILURE);
    await services.recovery.remove(session.user);
    audit(services.logger, 'enrollment.totp_disabled', {
      user: session.user,
      by: 'user',
      client: scope.client.address,
      request_id: scope.id,
    });
    return render(200);
  }
  sendError(scope, ctx.req, ctx.res, 'NOT_FOUND', `no gateway route ${scope.target.path}`);
}

/** Handles a request under the gateway prefix that belongs to the login layer; false when the route is not one of these. */
export async function handleLoginRoute(
  scope: RequestScope,
  req: IncomingMessage,
  res: ServerResponse,
  route: string,
  services: LoginServices,
): Promise<boolean> {
  const login = scope.runtime.config.login;
  if (!login) return false;
  const known = ['/step-up', '/enroll', '/account', '/account/enroll', '/account/disable', '/logout'];
  if (!known.includes(route)) return false;
  if (req.method !== 'GET' && req.method !== 'POST') {
    sendError(scope, req, res, 'METHOD_NOT_ALLOWED', `${req.method} ${route}`);
    return true;
  }
  const rs = await resolveRequestSession(scope, req, services);
  const prefix = scope.runtime.config.listen.gateway_prefix;
  const ctx: RouteContext = { scope, req, res, rs, services, prefix, login };

  if (route === '/step-up') {
    await stepUp(ctx);
  } else if (route === '/enroll') {
    const pending = rs.pending;
    if (pending?.step !== 'enroll') loginExpired(ctx, 'Your sign-in expired. Please sign in again.');
    else await enroll(ctx, { user: pending.user, boundTo: pending.id, action: `${prefix}/enroll` }, pending);
  } else if (!rs.session) {
    sendRedirect(scope, res, login.page);
  } else if (route === '/logout') {
    if (req.method !== 'POST') {
      sendError(scope, req, res, 'METHOD_NOT_ALLOWED', 'logout is a POST');
    } else if (await postedForm(ctx, rs.session.id)) {
      await endSession(services, scope, rs.session.id, 'gateway logout');
      logoutUpstream(scope, services, rs.session.jar);
      sendRedirect(scope, res, login.page, [clearSessionCookie(rs)]);
    }
  } else {
    scope.session = { id: rs.session.id, user: rs.session.user, role: rs.session.role };
    await account(ctx, rs.session, route);
  }
  return true;
}
