// Owns the passkey pages: registering a passkey as a first enrollment (a pending login that owes
// one) or from the account page, and removing one. One kind at a time: never beside security
// questions. Adding or removing a passkey once a two-factor factor is held needs a second step
// passed in the last few minutes (S12), asked on the step-up page, which comes back here; a
// first one follows the operator's rule for first enrollments. Each change is an audit event.

import { twoFactorHeld } from '../factors/enrolled-factor.js';
import { passkeyName } from '../factors/passkey/passkey-factor.js';
import { sendHtml } from '../http/respond.js';
import { audit } from '../ops/audit.js';
import { csrfToken } from '../session/csrf.js';
import type { PendingRecord, SessionRecord } from '../session/records.js';
import { passkeyEnrollPage, passkeysPage, recoveryCodesPage } from './forms.js';
import {
  type EnrollOwner,
  enrollCodeCheck,
  factorOffered,
  failureText,
  firstEnrollment,
  loginExpired,
  postedForm,
  promote,
  type RouteContext,
  refuseFirstEnrollment,
  refuseOtherFactor,
  secondStepChanged,
} from './route-context.js';

/** How recent a passed second step must be to add or remove a passkey (S12: passed "at that moment"). */
export const FRESH_STEP_MS = 5 * 60 * 1000;

const NOT_REGISTERED = 'The passkey was not saved. Please try again.';
const WRONG_ENROLL_CODE = 'That enrollment code did not work. Please check it and try again.';

/**
 * Registers the posted passkey in the user's queue, where question enrollment checks for a
 * two-factor factor (one kind at a time); audited. 'questions' when they got there first.
 */
async function registerAlone(
  ctx: RouteContext,
  user: string,
  boundTo: string,
  form: URLSearchParams,
): Promise<boolean | 'questions'> {
  const { services, scope } = ctx;
  const existing = (await services.passkeys.list(user)).length;
  const name = passkeyName(form.get('name'), `Passkey ${existing + 1}`);
  const outcome = await services.oneAtATime(user, async () => {
    if (await services.questions.isEnrolled(user)) return 'questions' as const;
    return services.passkeys.register(user, { boundTo, response: form.get('passkey_response') ?? '' }, name);
  });
  if (outcome === 'questions') return outcome;
  if (!outcome.ok) {
    audit(services.logger, 'enrollment.refused', {
      user,
      reason: `passkey ${outcome.reason}`,
      client: scope.client.address,
      request_id: scope.id,
    });
    return false;
  }
  audit(services.logger, 'passkey.registered', {
    user,
    passkey: outcome.id,
    passkeys: existing + 1,
    client: scope.client.address,
    request_id: scope.id,
  });
  return true;
}

/** A pending login that owes an enrollment registers its first passkey, then gets its session and recovery codes. */
export async function passkeyFirstEnroll(ctx: RouteContext, pending: PendingRecord): Promise<void> {
  const { scope, services, prefix } = ctx;
  const owner: EnrollOwner = { user: pending.user, boundTo: pending.id, action: `${prefix}/enroll/passkey` };
  if (!factorOffered(ctx, pending.role, 'passkey')) return;
  const permission = firstEnrollment(scope);
  if (permission === 'refused') return refuseFirstEnrollment(ctx, owner.user);
  if (await services.questions.isEnrolled(owner.user)) {
    return refuseOtherFactor(ctx, owner.user, 'passkey', 'questions');
  }
  const csrf = csrfToken(services.keys.digest, owner.boundTo);
  const view = async (status: number, message?: string) => {
    const options = await services.passkeys.registrationOptions(owner.user, owner.boundTo);
    sendHtml(
      scope,
      ctx.res,
      status,
      passkeyEnrollPage(
        { prefix, csrf },
        { action: owner.action, options, askEnrollCode: permission === 'needs-code', totpHref: `${prefix}/enroll` },
        message,
      ),
      [],
      { scripts: true },
    );
  };
  if (ctx.req.method === 'GET') return view(200);
  const form = await postedForm(ctx, owner.boundTo);
  if (!form) return;
  if (permission === 'needs-code') {
    const checked = await enrollCodeCheck(ctx, owner.user, pending, form);
    if (checked === 'answered') return;
    if (checked === 'ended') return loginExpired(ctx, 'Too many wrong codes. Please sign in again.');
    if (checked !== 'passed') return view(401, failureText(WRONG_ENROLL_CODE, checked));
  }
  const registered = await registerAlone(ctx, owner.user, owner.boundTo, form);
  if (registered === 'questions') return refuseOtherFactor(ctx, owner.user, 'passkey', 'questions');
  if (!registered) return view(401, NOT_REGISTERED);
  const codes = await freshRecoveryCodes(ctx, owner.user);
  const promoted = await promote(ctx, pending, 'enrollment', 'passkey');
  if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  sendHtml(scope, ctx.res, 200, recoveryCodesPage(codes, ctx.login.landing_path), [promoted.cookie]);
}

/** Ten fresh recovery codes, written (replacing any earlier set) before they are shown. */
async function freshRecoveryCodes(ctx: RouteContext, user: string): Promise<string[]> {
  const { codes, change } = ctx.services.recovery.fresh(user);
  await ctx.services.store.writeAll([change]);
  return codes;
}

/** Whether this session passed its second step recently enough to change its passkeys. */
function freshStep(ctx: RouteContext, session: SessionRecord): boolean {
  return session.secondStepAt !== undefined && ctx.services.now() - session.secondStepAt <= FRESH_STEP_MS;
}

/** The account's passkeys page: the list, a registration form, removal (GET shows; POST registers). */
export async function passkeysAccount(ctx: RouteContext, session: SessionRecord, route: string): Promise<void> {
  const { scope, services, prefix } = ctx;
  const user = session.user;
  if (!factorOffered(ctx, session.role, 'passkey')) return;
  if (await services.questions.isEnrolled(user)) return refuseOtherFactor(ctx, user, 'passkey', 'questions');
  const held = await twoFactorHeld(services, user);
  // Nothing held: a first enrollment, under the operator's rule; otherwise a fresh second step.
  const permission = held ? 'allowed' : firstEnrollment(scope);
  if (permission === 'refused') return refuseFirstEnrollment(ctx, user);
  const fresh = held === undefined || freshStep(ctx, session);
  const csrf = csrfToken(services.keys.digest, session.id);
  const view = async (status: number, message?: string) => {
    const options = fresh ? await services.passkeys.registrationOptions(user, session.id) : undefined;
    sendHtml(
      scope,
      ctx.res,
      status,
      passkeysPage(
        { prefix, csrf },
        {
          passkeys: await services.passkeys.list(user),
          options,
          askEnrollCode: permission === 'needs-code',
          confirmHref: `${prefix}/step-up?next=${encodeURIComponent(`${prefix}/account/passkeys`)}`,
          now: services.now(),
        },
        message,
      ),
      [],
      { scripts: options !== undefined },
    );
  };
  if (ctx.req.method === 'GET') return view(200);
  const form = await postedForm(ctx, session.id);
  if (!form) return;
  if (!fresh) return view(403, 'Please confirm it is you first: your last second step was too long ago.');
  if (route === '/account/passkeys/remove') {
    const id = form.get('passkey') ?? '';
    // In the user's queue, where registrations and turning TOTP off run: the factor rewrites the list.
    if (!(await services.oneAtATime(user, () => services.passkeys.removeOne(user, id)))) {
      return view(404, 'That passkey was already removed.');
    }
    audit(services.logger, 'passkey.removed', {
      user,
      passkey: id,
      by: 'user',
      client: scope.client.address,
      request_id: scope.id,
    });
    await secondStepChanged(ctx, user, 'passkey removed');
    return view(200);
  }
  if (permission === 'needs-code') {
    const checked = await enrollCodeCheck(ctx, user, undefined, form);
    if (checked === 'answered') return;
    if (checked !== 'passed') return view(401, failureText(WRONG_ENROLL_CODE, checked));
  }
  const registered = await registerAlone(ctx, user, session.id, form);
  if (registered === 'questions') return refuseOtherFactor(ctx, user, 'passkey', 'questions');
  if (!registered) return view(401, NOT_REGISTERED);
  await secondStepChanged(ctx, user, 'passkey added');
  if (held === undefined) {
    // A first factor: recovery codes, shown once, as after a first TOTP enrollment.
    const codes = await freshRecoveryCodes(ctx, user);
    return sendHtml(scope, ctx.res, 200, recoveryCodesPage(codes, `${prefix}/account/passkeys`));
  }
  return view(200);
}
