// Owns the gateway's login pages under the prefix and their TOTP side: the routing of every
// login page (security questions have theirs in questions-routes.ts), the code step of a
// pending login, TOTP's first enrollment, the account page (enroll, disable) and the gateway's
// own logout. Forms carry CSRF tokens bound to their login (S10); every failure says the same
// thing (S5); enrollment changes are guarded, one factor at a time, and audited (S12).

import { allowedFactors } from '../factors/enrolled-factor.js';
import { sendError, sendHtml, sendRedirect } from '../http/respond.js';
import { prepareRelease, releaseWithheld } from '../intercept/replay.js';
import { logoutUpstream } from '../intercept/upstream-logout.js';
import { type AuditRecord, auditedChange } from '../ops/audit-outbox.js';
import { csrfToken } from '../session/csrf.js';
import { endSession } from '../session/end-session.js';
import type { PendingRecord, SessionRecord } from '../session/records.js';
import { clearSessionCookie } from '../session/request-session.js';
import { renderAccount } from './account-view.js';
import { enrollPage, recoveryCodesPage, stepUpPage } from './forms.js';
import { PASSKEY_ACCOUNT_ROUTES, passkeysAccount } from './passkey-account-routes.js';
import { passkeyFirstEnroll } from './passkey-routes.js';
import { questionsAccount, questionsEnroll, questionsStepUp } from './questions-routes.js';
import {
  type CheckResult,
  type EnrollOwner,
  enrollCodeCheck,
  factorOffered,
  failureText,
  firstEnrollment,
  limitedCheck,
  loginExpired,
  type PortalPage,
  postedForm,
  promote,
  type RouteContext,
  refuseFirstEnrollment,
  refuseOtherFactor,
  secondStepChanged,
  trustDays,
  trustThisBrowser,
  twoFactorCheck,
  twoFactorMethods,
  twoFactorPrompt,
} from './route-context.js';
import { sessionStepUp } from './session-step-up.js';
import { SESSIONS_ROUTES, sessionsAccount } from './sessions-routes.js';

const GENERIC_FAILURE = 'That code did not work. Please try again.';

/** The second step of a pending login: the factor it names (S12), or its enrollment; a full session's step-up when a path rule asks. */
async function stepUp(ctx: RouteContext): Promise<void> {
  const { rs, scope, services, prefix } = ctx;
  const pending = rs.pending;
  if (!pending && rs.session) return sessionStepUp(ctx, rs.session);
  if (!pending) return loginExpired(ctx, 'Your sign-in expired. Please sign in again.');
  if (pending.step === 'enroll') return sendRedirect(scope, ctx.res, `${prefix}/enroll`);
  if (pending.step === 'questions' || pending.step === 'replace') return questionsStepUp(ctx, pending);
  const csrf = csrfToken(services.keys.digest, pending.id);
  const methods = await twoFactorMethods(ctx, pending.user, pending.role);
  const form = { prefix, csrf, trustDays: trustDays(ctx, pending.role) };
  const page = async (status: number, message?: string) =>
    sendHtml(
      scope,
      ctx.res,
      status,
      stepUpPage(form, await twoFactorPrompt(ctx, pending.user, pending.id, methods), message),
      [],
      { scripts: methods.passkey },
    );
  if (ctx.req.method === 'GET') return page(200);

  const posted = await postedForm(ctx, pending.id);
  if (!posted) return;
  const { result, method } = await twoFactorCheck(ctx, pending.user, pending, pending.id, methods, posted);
  if (result === 'answered') return;
  if (result === 'ended') return loginExpired(ctx, 'Too many wrong codes. Please sign in again.');
  if (result !== 'passed') return page(401, failureText(GENERIC_FAILURE, result));
  const promoted = await promote(ctx, pending, method, method === 'passkey' ? 'passkey' : undefined);
  if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  const trust = await trustThisBrowser(ctx, pending, posted);
  await releaseWithheld(scope, ctx.res, ctx.rs, services, pending.withheld, promoted, trust);
}

/** TOTP enrollment, for a pending login that owes one or a signed-in user from the account page. */
async function enroll(ctx: RouteContext, owner: EnrollOwner, questionsHref: string, pending?: PendingRecord) {
  const { scope, services, prefix } = ctx;
  const role = pending?.role ?? ctx.rs.session?.role ?? '';
  if (!factorOffered(ctx, role, 'totp')) return;
  // A login that passed the questions its role may no longer use replaces them (replacement.ts):
  // not a first enrollment, so the operator's rule for those does not apply (S12: the factor
  // replaced was passed moments ago), and the one-kind rule is kept by the write that swaps them.
  const replacing = pending?.replaces === 'questions';
  const permission = replacing ? 'allowed' : firstEnrollment(scope);
  if (permission === 'refused') return refuseFirstEnrollment(ctx, owner.user);
  if (await services.totp.isEnrolled(owner.user)) return sendRedirect(scope, ctx.res, `${prefix}/account`);
  const allowed = allowedFactors(scope.runtime.config, role);
  const passkeyHref =
    allowed.includes('passkey') && !replacing
      ? `${prefix}/${pending ? 'enroll/passkey' : 'account/passkeys'}`
      : undefined;
  if (!replacing && (await services.questions.isEnrolled(owner.user))) {
    return refuseOtherFactor(ctx, owner.user, 'totp', 'questions');
  }
  const csrf = csrfToken(services.keys.digest, owner.boundTo);
  const view = async (message?: string) => {
    const { secret, qrSvg, uri } = await services.totp.beginEnrollment(owner.user, owner.boundTo);
    return enrollPage(
      { prefix, csrf },
      {
        secret,
        qrSvg,
        uri,
        action: owner.action,
        askEnrollCode: permission === 'needs-code',
        questionsHref: replacing ? undefined : questionsHref,
        passkeyHref,
      },
      message,
    );
  };
  if (ctx.req.method === 'GET') return sendHtml(scope, ctx.res, 200, await view());

  const form = await postedForm(ctx, owner.boundTo);
  if (!form) return;
  const answer = async (result: CheckResult) => {
    if (result === 'ended') loginExpired(ctx, 'Too many wrong codes. Please sign in again.');
    else if (result !== 'passed' && result !== 'answered') {
      sendHtml(scope, ctx.res, 401, await view(failureText(GENERIC_FAILURE, result)));
    }
  };
  if (permission === 'needs-code') {
    const codeCheck = await enrollCodeCheck(ctx, owner.user, pending, form);
    if (codeCheck !== 'passed') return answer(codeCheck);
  }
  let otherFactor = false;
  let codes: readonly string[] = [];
  const by = { client: scope.client.address, request_id: scope.id };
  const events: AuditRecord[] = [{ event: 'enrollment.totp_enrolled', facts: { user: owner.user, ...by } }];
  if (replacing) {
    const facts = { user: owner.user, removed: 'questions', enrolled: 'totp', ...by };
    events.push({ event: 'enrollment.replaced', facts });
  }
  const confirmed = await limitedCheck(ctx, owner.user, pending, 'enrollment', async () => {
    // Checked again in the user's queue, where question enrollment checks for TOTP: of two
    // tabs enrolling both factors at once, the second sees the first (one at a time).
    otherFactor = !replacing && (await services.questions.isEnrolled(owner.user));
    if (otherFactor) return { ok: true };
    const replaced = replacing ? await services.questions.removal(owner.user) : [];
    const code = form.get('code') ?? '';
    const outcome = await auditedChange(
      services.auditOutbox,
      owner.user,
      events,
      (writes) => services.totp.confirmEnrollment(owner.user, owner.boundTo, code, replaced, writes),
      (confirmedOutcome) => confirmedOutcome.ok,
    );
    if (outcome.ok) codes = outcome.codes;
    return outcome;
  });
  if (otherFactor) return refuseOtherFactor(ctx, owner.user, 'totp', 'questions');
  if (confirmed !== 'passed') return answer(confirmed);
  if (!pending || replacing)
    await secondStepChanged(ctx, owner.user, replacing ? 'questions replaced' : 'totp enrolled');
  if (!pending) return sendHtml(scope, ctx.res, 200, recoveryCodesPage(codes, `${prefix}/account`));
  const promoted = await promote(ctx, pending, 'enrollment', 'totp');
  if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  // The codes come first; their Continue link leads where the app's answer is released.
  const release = await prepareRelease(scope, ctx.rs, services, pending.withheld, promoted.session);
  const cookies = [promoted.cookie, ...(release.kind === 'fetch' ? release.cookies : [])];
  sendHtml(scope, ctx.res, 200, recoveryCodesPage(codes, release.location), cookies);
}

async function account(ctx: RouteContext, session: SessionRecord, route: string): Promise<void> {
  const { scope, services, prefix } = ctx;
  if (route === '/account' && ctx.req.method === 'GET') return renderAccount(ctx, session, 200);
  if (route === '/account/enroll') {
    const owner = { user: session.user, boundTo: session.id, action: `${prefix}/account/enroll` };
    return enroll(ctx, owner, `${prefix}/account/questions`);
  }
  if ((SESSIONS_ROUTES as readonly string[]).includes(route)) return sessionsAccount(ctx, session, route);
  if ((PASSKEY_ACCOUNT_ROUTES as readonly string[]).includes(route)) return passkeysAccount(ctx, session, route);
  if (route === '/account/questions' || route === '/account/questions/disable') {
    return questionsAccount(ctx, session, route);
  }
  if (route === '/account/disable' && ctx.req.method === 'POST') {
    const form = await postedForm(ctx, session.id);
    if (!form) return;
    const facts = { user: session.user, by: 'user', client: scope.client.address, request_id: scope.id };
    const events = [{ event: 'enrollment.totp_disabled', facts }] as const;
    // The entry is indexed only once the code is right, just before the write (audit-outbox.ts).
    const result = await limitedCheck(ctx, session.user, undefined, 'disable', () =>
      auditedChange(
        services.auditOutbox,
        session.user,
        events,
        (writes) => services.totp.disable(session.user, form.get('code') ?? '', writes),
        (outcome) => outcome.ok,
      ),
    );
    if (result === 'answered') return;
    if (result !== 'passed') return renderAccount(ctx, session, 401, failureText(GENERIC_FAILURE, result));
    await secondStepChanged(ctx, session.user, 'totp disabled');
    return renderAccount(ctx, session, 200);
  }
  sendError(scope, ctx.req, ctx.res, 'NOT_FOUND', `no gateway route ${scope.target.path}`);
}

/** Serves one of the login layer's pages to the session or pending login the router found. */
async function serveLoginPage(ctx: RouteContext, route: string): Promise<void> {
  const { scope, req, res, rs, services, prefix, login } = ctx;
  if (route === '/step-up') {
    await stepUp(ctx);
  } else if (route === '/enroll' || route === '/enroll/questions' || route === '/enroll/passkey') {
    const pending = rs.pending;
    if (pending?.step !== 'enroll') loginExpired(ctx, 'Your sign-in expired. Please sign in again.');
    else if (route === '/enroll/passkey') await passkeyFirstEnroll(ctx, pending);
    else if (route === '/enroll') {
      const owner = { user: pending.user, boundTo: pending.id, action: `${prefix}/enroll` };
      await enroll(ctx, owner, `${prefix}/enroll/questions`, pending);
    } else {
      const owner = { user: pending.user, boundTo: pending.id, action: `${prefix}/enroll/questions` };
      await questionsEnroll(ctx, owner, `${prefix}/enroll`, pending);
    }
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
}

const LOGIN_ROUTES = [
  '/step-up',
  '/enroll',
  '/enroll/questions',
  '/enroll/passkey',
  '/account',
  '/account/enroll',
  '/account/disable',
  '/account/questions',
  '/account/questions/disable',
  ...PASSKEY_ACCOUNT_ROUTES,
  ...SESSIONS_ROUTES,
  '/logout',
];

/** The login layer's pages: the second step, first enrollments, the account, the gateway's logout. */
export const LOGIN_PAGES: ReadonlyMap<string, PortalPage> = new Map(
  LOGIN_ROUTES.map((route) => [route, { methods: ['GET', 'POST'], serve: serveLoginPage }]),
);
