// Owns what the gateway's login pages share, whichever factor they serve: the request's
// context, posted forms with their CSRF check (S10), the guessing limits around every check
// (S5), the end of a pending login, its promotion to a session (S4), and who may enroll a first
// factor and how a refusal reads (S12, one layer at a time).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Attempt, type Lock, lockName, secondsLeft } from '../access/regulator.js';
import type { LoginSettings } from '../config/sections/login.js';
import { enrollCodeAccepted } from '../factors/enroll-codes.js';
import { allowedFactors, enrolledFactors } from '../factors/enrolled-factor.js';
import type { FactorKind } from '../factors/factor.js';
import { agentSummary } from '../factors/trusted-browsers.js';
import { BodyTooLargeError, readForm } from '../http/read-body.js';
import { sendError, sendHtml } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import { audit } from '../ops/audit.js';
import { csrfValid } from '../session/csrf.js';
import { endPending } from '../session/pending-ends.js';
import type { PassedStep, PendingRecord, SessionRecord } from '../session/records.js';
import { refuseBusy } from '../session/refusal.js';
import {
  clearSessionCookie,
  issueSessionCookie,
  issueTrustCookie,
  type RequestSession,
} from '../session/request-session.js';
import type { LoginServices } from '../session/services.js';
import { type FailureView, failureMessage, messagePage, type TwoFactorView } from './forms.js';

const FORM_BYTES = 8 * 1024;
const RECOVERY_CODE = /^[A-Za-z2-7]{5}-?[A-Za-z2-7]{5}$/;

export interface RouteContext {
  scope: RequestScope;
  req: IncomingMessage;
  res: ServerResponse;
  rs: RequestSession;
  services: LoginServices;
  prefix: string;
  login: LoginSettings;
  /** The configuration file in force, for the pages that name or edit it (undefined: none). */
  configFile: string | undefined;
}

/** A page under the prefix: the methods it answers, and what serves it once the session is known and access decided. */
export interface PortalPage {
  readonly methods: readonly string[];
  serve(ctx: RouteContext, route: string): Promise<void>;
}

/** Who is enrolling: the user, the id their forms' CSRF tokens are bound to, and where the form posts. */
export interface EnrollOwner {
  user: string;
  boundTo: string;
  action: string;
}

/** Reads a posted form and checks its CSRF token against the login it is bound to; answers 403 itself when it fails. */
export async function postedForm(ctx: RouteContext, boundTo: string): Promise<URLSearchParams | undefined> {
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
export function loginExpired(ctx: RouteContext, message: string): void {
  sendHtml(
    ctx.scope,
    ctx.res,
    401,
    messagePage('Please sign in again', message, { href: ctx.login.page, text: 'Sign in' }),
    [clearSessionCookie(ctx.rs)],
  );
}

/** A failed check: what the page tells the person (S15: how many tries are left, a code already used). */
export interface CheckFailure extends FailureView {
  readonly failed: true;
}

export type CheckResult = 'passed' | 'ended' | 'answered' | CheckFailure;

/**
 * Runs one second-step check under the guessing limits (S5, S15). Every attempt is reserved
 * before its check with atomic store counts (the pending login's, the user's at this address,
 * the user's, the address's distinct users), so parallel guesses on any number of gateways
 * cannot exceed a limit; checks of a user in one process also run one at a time. A passed check
 * forgets the user's failures. 'answered': locked out (429 sent) or the address busy (503 sent);
 * 'ended': the pending login is over.
 */
export function limitedCheck(
  ctx: RouteContext,
  user: string,
  pending: PendingRecord | undefined,
  label: string,
  check: () => Promise<{ ok: true } | { ok: false; reason: string }>,
): Promise<CheckResult> {
  const { services, scope } = ctx;
  const limit = scope.runtime.config.limits.pending_attempts;
  return services.oneAtATime(user, async () => {
    const reserved = await services.secondStepLimits.reserve(user, scope.client.address);
    if (!reserved.ok) {
      if ('busy' in reserved) refuseBusy(scope, ctx.req, ctx.res, services.logger, user, 'second_step');
      else lockedOut(ctx, user, reserved.locks);
      return 'answered';
    }
    try {
      // Counted once the attempt is reserved, so that one put off as busy ("try again in a
      // moment") or refused by a lock spends none of the pending login's tries; still one
      // atomic count whose answer includes this attempt, before its check.
      const attempts = pending ? await services.records.countAttempt(pending) : 0;
      if (pending && attempts > limit) {
        await endPending(scope, services, pending, 'wrong_answers');
        return 'ended';
      }
      return await judged(ctx, user, pending, label, attempts, reserved.attempt, await check());
    } finally {
      // An attempt without a verdict (its check threw: the store, the argon2 runner, a factor's
      // record; or the pending login's tries ran out meanwhile) gives back its place among the
      // address's users being checked; its counts stay.
      await reserved.attempt.abandoned();
    }
  });
}

/** Gives a checked attempt its verdict and says what follows: passed, the pending login ended, or how it failed. */
async function judged(
  ctx: RouteContext,
  user: string,
  pending: PendingRecord | undefined,
  label: string,
  attempts: number,
  attempt: Attempt,
  outcome: { ok: true } | { ok: false; reason: string },
): Promise<CheckResult> {
  const { services, scope } = ctx;
  const limit = scope.runtime.config.limits.pending_attempts;
  if (outcome.ok) {
    await attempt.passed();
    return 'passed';
  }
  const { started, triesLeft } = await attempt.failed();
  audit(services.logger, 'step_up.failed', {
    user,
    reason: `${label} ${outcome.reason}`,
    attempts: pending ? attempts : undefined,
    client: scope.client.address,
    request_id: scope.id,
    // Last, so that the line reads as before: the metrics count second steps by it.
    check: label,
  });
  if (started.length > 0) {
    audit(services.logger, 'lockout.started', {
      user,
      subjects: started.map(lockName),
      layer: 'second_step',
      request_id: scope.id,
    });
  }
  if (pending && (attempts >= limit || started.length > 0)) {
    await endPending(scope, services, pending, attempts >= limit ? 'wrong_answers' : 'locked_out');
    return 'ended';
  }
  return {
    failed: true,
    triesLeft: pending ? Math.min(triesLeft, limit - attempts) : triesLeft,
    replayed: outcome.reason === 'replayed',
  };
}

/** What a two-factor step offers this user: the kinds they hold that their role may use. */
export interface TwoFactorMethods {
  readonly totp: boolean;
  readonly passkey: boolean;
}

/** The two-factor methods of this user in this role (one rule for logins and sessions' step-ups). */
export async function twoFactorMethods(ctx: RouteContext, user: string, role: string): Promise<TwoFactorMethods> {
  const allowed = allowedFactors(ctx.scope.runtime.config, role);
  const enrolled = await enrolledFactors(ctx.services, user);
  const usable = (kind: FactorKind) => allowed.includes(kind) && enrolled.includes(kind);
  return { totp: usable('totp'), passkey: usable('passkey') };
}

/**
 * What the two-factor page shows: a code field, and a passkey button whose challenge is made
 * now, when the page is shown, bound to the pending login or session the page belongs to.
 */
export async function twoFactorPrompt(
  ctx: RouteContext,
  user: string,
  boundTo: string,
  methods: TwoFactorMethods,
): Promise<TwoFactorView> {
  const passkeyOptions = methods.passkey ? await ctx.services.passkeys.authenticationOptions(user, boundTo) : undefined;
  return { totp: methods.totp, passkeyOptions };
}

/** How a two-factor step was passed: what the session records and the audit line says. */
export type TwoFactorMethod = 'totp' | 'passkey' | 'recovery_code';

/**
 * Checks a posted two-factor form under the guessing limits: a passkey's answer to this page's
 * challenge (in `assertionField`: a form that also registers a passkey posts that one in
 * passkey_response), a TOTP code, or a recovery code (used up, and audited, when it passes). A
 * method the user does not hold, or their role may not use, fails like a wrong answer.
 */
export async function twoFactorCheck(
  ctx: RouteContext,
  user: string,
  pending: PendingRecord | undefined,
  boundTo: string,
  methods: TwoFactorMethods,
  form: URLSearchParams,
  assertionField = 'passkey_response',
): Promise<{ result: CheckResult; method: TwoFactorMethod }> {
  const { services } = ctx;
  const notUsable = { ok: false, reason: 'not_enrolled' } as const;
  const response = form.get(assertionField);
  if (response) {
    const result = await limitedCheck(ctx, user, pending, 'passkey', async () =>
      methods.passkey ? services.passkeys.verify(user, { boundTo, response }) : notUsable,
    );
    // "Wait for the next code" means nothing for a passkey: a counter gone back reads as any failure.
    return { result: typeof result === 'object' ? { ...result, replayed: false } : result, method: 'passkey' };
  }
  const code = (form.get('code') ?? '').trim();
  const recovery = RECOVERY_CODE.test(code);
  const result = await limitedCheck(ctx, user, pending, recovery ? 'recovery code' : 'totp', async () => {
    if (recovery) return (await services.recovery.consume(user, code)) ? { ok: true } : { ok: false, reason: 'wrong' };
    return methods.totp ? services.totp.verify(user, code) : notUsable;
  });
  if (result === 'passed' && recovery) {
    audit(services.logger, 'enrollment.recovery_code_used', { user, left: await services.recovery.remaining(user) });
  }
  return { result, method: recovery ? 'recovery_code' : 'totp' };
}

/** The message of a check that did not pass: the generic sentence, with what the failure tells (S15). */
export function failureText(generic: string, result: CheckResult): string {
  return typeof result === 'object' ? failureMessage(generic, result) : generic;
}

/** Answers a check refused by a lock: 429, saying how long to wait. */
function lockedOut(ctx: RouteContext, user: string, locks: readonly Lock[]): void {
  const subjects = locks.map(lockName);
  audit(ctx.services.logger, 'lockout.refused', { user, subjects, request_id: ctx.scope.id });
  sendError(ctx.scope, ctx.req, ctx.res, 'LOCKED_OUT', `locked: ${subjects.join(', ')}`, {
    retryAfterSeconds: secondsLeft(locks, ctx.services.now()),
  });
}

/**
 * Turns a passed pending login into a full session (a new id, S4) that records what was passed
 * (the admin pages ask for it), with its audit event. Two requests passing the same pending
 * login at once (two valid codes of adjacent steps) promote it once: the pending record is
 * ended first, and only the request that ended it gets a session.
 */
export async function promote(
  ctx: RouteContext,
  pending: PendingRecord,
  passed: Exclude<PassedStep, 'none'>,
  factor?: FactorKind,
): Promise<{ session: SessionRecord; cookie: string } | undefined> {
  if (!(await ctx.services.records.endPending(pending.id))) return undefined;
  // The epoch its login read when the password was accepted, before this step was checked.
  const session = await ctx.services.records.createSession(
    pending.user,
    pending.role,
    pending.jar,
    passed,
    pending.epoch,
    {
      client: ctx.scope.client.address,
      agent: agentSummary(ctx.req.headers['user-agent']),
    },
  );
  audit(ctx.services.logger, 'step_up.passed', {
    user: session.user,
    method: passed,
    factor,
    client: ctx.scope.client.address,
    request_id: ctx.scope.id,
  });
  return { session, cookie: issueSessionCookie(ctx.services, ctx.rs, { kind: 'session', id: session.id }) };
}

/** For how many days this role may trust a browser after a passed step; undefined when it may not. */
export function trustDays(ctx: RouteContext, role: string): number | undefined {
  return ctx.scope.runtime.config.policy[role]?.trusted_browser_days;
}

/**
 * After a pending login passed its step: when the person ticked "trust this browser" and the
 * role allows it, a record for this browser and the cookie that names it (audited).
 */
export async function trustThisBrowser(
  ctx: RouteContext,
  pending: PendingRecord,
  form: URLSearchParams,
): Promise<string[]> {
  const days = trustDays(ctx, pending.role);
  if (days === undefined || form.get('trust_browser') !== 'yes') return [];
  const { services, scope } = ctx;
  const record = await services.trusted.issue(pending.user, agentSummary(ctx.req.headers['user-agent']), days);
  audit(services.logger, 'trusted_browser.issued', {
    user: pending.user,
    days,
    browser: record.agent,
    client: scope.client.address,
    request_id: scope.id,
  });
  return [issueTrustCookie(scope, ctx.rs, services, record.id, days)];
}

/** The user changed their second step: the browsers trusted through the old one are trusted no more. */
export async function secondStepChanged(ctx: RouteContext, user: string, reason: string): Promise<void> {
  const ended = await ctx.services.trusted.revokeAll(user);
  if (ended === 0) return;
  audit(ctx.services.logger, 'trusted_browser.revoked', {
    user,
    browsers: ended,
    reason,
    by: 'user',
    client: ctx.scope.client.address,
    request_id: ctx.scope.id,
  });
}

/** Whether this user may enroll a first factor from here (S12), and whether an operator's code is needed. */
export function firstEnrollment(scope: RequestScope): 'allowed' | 'needs-code' | 'refused' {
  const { enrollment } = scope.runtime.config;
  if (enrollment.first === 'open') return 'allowed';
  if (enrollment.first === 'code') return 'needs-code';
  return scope.runtime.enrollmentNetworks.contains(scope.client.key) ? 'allowed' : 'refused';
}

/** Answers a first enrollment refused by enrollment.networks (403), with its audit event. */
export function refuseFirstEnrollment(ctx: RouteContext, user: string): void {
  audit(ctx.services.logger, 'enrollment.refused', {
    user,
    reason: 'network',
    client: ctx.scope.client.address,
    request_id: ctx.scope.id,
  });
  sendError(ctx.scope, ctx.req, ctx.res, 'ENROLLMENT_REFUSED', 'first enrollment outside enrollment.networks');
}

/** Checks the operator's one-time code of a first enrollment (enrollment.first: code) under the limits. */
export function enrollCodeCheck(
  ctx: RouteContext,
  user: string,
  pending: PendingRecord | undefined,
  form: URLSearchParams,
): Promise<CheckResult> {
  return limitedCheck(ctx, user, pending, 'enrollment code', async () =>
    (await enrollCodeAccepted(ctx.services, user, form.get('enroll_code') ?? ''))
      ? { ok: true }
      : { ok: false, reason: 'wrong' },
  );
}

/** Whether this role may use `kind` (and, for passkeys, whether they are on); answers 403 saying so when not. */
export function factorOffered(ctx: RouteContext, role: string, kind: FactorKind): boolean {
  if (allowedFactors(ctx.scope.runtime.config, role).includes(kind)) return true;
  sendHtml(
    ctx.scope,
    ctx.res,
    403,
    messagePage(
      `${FACTOR_TITLES[kind][0]?.toUpperCase()}${FACTOR_TITLES[kind].slice(1)} is not available`,
      `Your administrator has not allowed ${FACTOR_TITLES[kind]} (${kind}) for your account.`,
      ctx.rs.session ? { href: `${ctx.prefix}/account`, text: 'Back to your account' } : undefined,
    ),
  );
  return false;
}

const FACTOR_TITLES: Readonly<Record<FactorKind, string>> = {
  totp: 'two-factor authentication',
  passkey: 'two-factor authentication',
  questions: 'security questions',
};

/**
 * One layer at a time (issue 5): enrolling `wanted` while `active` is on is refused with a page
 * that says to turn `active` off first (409), and audited.
 */
export function refuseOtherFactor(ctx: RouteContext, user: string, wanted: FactorKind, active: FactorKind): void {
  audit(ctx.services.logger, 'enrollment.refused', {
    user,
    reason: `${active} is active`,
    wanted,
    client: ctx.scope.client.address,
    request_id: ctx.scope.id,
  });
  const account = ctx.rs.session ? { href: `${ctx.prefix}/account`, text: 'Back to your account' } : undefined;
  sendHtml(
    ctx.scope,
    ctx.res,
    409,
    messagePage(
      `Turn off ${FACTOR_TITLES[active]} first`,
      `You can use one second step at a time. To set up ${FACTOR_TITLES[wanted]}, first turn off ` +
        `${FACTOR_TITLES[active]} on your account page (that needs ${active === 'questions' ? 'your answers' : 'passing your second step'}).`,
      account,
    ),
  );
}
