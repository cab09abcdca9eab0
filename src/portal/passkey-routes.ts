// Owns registering a passkey: as a first enrollment (a pending login that owes one), and the
// registration itself that the account's passkeys page (passkey-account-routes.ts) uses too.
// One kind at a time: never beside security questions. A first one follows the operator's rule
// for first enrollments (S12). Each registration is an audit event.

import { passkeyName } from '../factors/passkey/passkey-factor.js';
import { sendHtml } from '../http/respond.js';
import { audit } from '../ops/audit.js';
import { type AuditWrites, auditedChange } from '../ops/audit-outbox.js';
import { csrfToken } from '../session/csrf.js';
import type { PendingRecord } from '../session/records.js';
import { passkeyEnrollPage, recoveryCodesPage } from './forms.js';
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
  type TwoFactorMethod,
} from './route-context.js';

export const NOT_REGISTERED = 'The passkey was not saved. Please try again.';
export const WRONG_ENROLL_CODE = 'That enrollment code did not work. Please check it and try again.';

/**
 * Registers the posted passkey in the user's queue, where question enrollment checks for a
 * two-factor factor (one kind at a time); audited, with the step that confirmed it when one
 * did (S12), and for a first factor (`firstFactor`) with ten fresh recovery codes, all in one
 * write. Resolves with the codes to show once (none for a passkey added beside a factor), false
 * when refused, 'questions' when they got there first.
 */
export async function registerAlone(
  ctx: RouteContext,
  user: string,
  boundTo: string,
  form: URLSearchParams,
  { confirmedWith, firstFactor }: { confirmedWith?: TwoFactorMethod; firstFactor: boolean },
): Promise<readonly string[] | false | 'questions'> {
  const { services, scope } = ctx;
  const existing = (await services.passkeys.list(user)).length;
  const name = passkeyName(form.get('name'), `Passkey ${existing + 1}`);
  // The new passkey's id joins the facts inside the write (the factor learns it from the answer).
  const facts = {
    user,
    passkeys: existing + 1,
    confirmed_with: confirmedWith,
    client: scope.client.address,
    request_id: scope.id,
  };
  const register = (audited: AuditWrites) =>
    services.oneAtATime(user, async () => {
      if (await services.questions.isEnrolled(user)) return 'questions' as const;
      const response = form.get('passkey_response') ?? '';
      return services.passkeys.register(user, { boundTo, response }, name, { audited, codes: firstFactor });
    });
  const outcome = await auditedChange(
    services.auditOutbox,
    user,
    [{ event: 'passkey.registered', facts }],
    register,
    (registered) => registered !== 'questions' && registered.ok,
  );
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
  return outcome.codes ?? [];
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
  const codes = await registerAlone(ctx, owner.user, owner.boundTo, form, { firstFactor: true });
  if (codes === 'questions') return refuseOtherFactor(ctx, owner.user, 'passkey', 'questions');
  if (!codes) return view(401, NOT_REGISTERED);
  const promoted = await promote(ctx, pending, 'enrollment', 'passkey');
  if (!promoted) return loginExpired(ctx, 'This sign-in was already completed. Please sign in again.');
  sendHtml(scope, ctx.res, 200, recoveryCodesPage(codes, ctx.login.landing_path), [promoted.cookie]);
}
