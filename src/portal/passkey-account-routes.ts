// Owns the account's passkeys page: the list, adding one, removing one, renaming one. Adding a
// passkey beside a two-factor factor already held, and removing one, are factor changes: each
// asks for the second step in its own form and passes it at that moment (S12), a TOTP code, a
// recovery code (spent), or a passkey answering a challenge made for that one change, bound to
// the session and the change, taken when answered. A step passed minutes before, at sign-in or
// for a path rule, counts for nothing here. A first passkey follows the operator's rule for
// first enrollments instead. Failures count towards the lockouts (S15); every change, and every
// change refused for want of the step, is an audit event.

import { twoFactorHeld } from '../factors/enrolled-factor.js';
import { passkeyName } from '../factors/passkey/passkey-factor.js';
import { sendHtml } from '../http/respond.js';
import { audit } from '../ops/audit.js';
import { type AuditWrites, auditedChange } from '../ops/audit-outbox.js';
import { csrfToken } from '../session/csrf.js';
import type { SessionRecord } from '../session/records.js';
import { passkeysPage, recoveryCodesPage, stepUpPage } from './forms.js';
import { NOT_REGISTERED, registerAlone, WRONG_ENROLL_CODE } from './passkey-routes.js';
import {
  enrollCodeCheck,
  factorOffered,
  failureText,
  firstEnrollment,
  postedForm,
  type RouteContext,
  refuseFirstEnrollment,
  refuseOtherFactor,
  secondStepChanged,
  type TwoFactorMethod,
  twoFactorCheck,
  twoFactorMethods,
  twoFactorPrompt,
} from './route-context.js';

/** The account's passkey routes. */
export const PASSKEY_ACCOUNT_ROUTES = [
  '/account/passkeys',
  '/account/passkeys/remove',
  '/account/passkeys/rename',
] as const;

const GENERIC_FAILURE = 'That did not work. Please try again.';
const NO_STEP = 'Please confirm it is you: enter a code from your app or a recovery code, or use one of your passkeys.';
const ALREADY_REMOVED = 'That passkey was already removed.';

/** The one factor change a second step is passed for: adding a passkey, or removing this one. */
export type PasskeyChange = { readonly kind: 'add' } | { readonly kind: 'remove'; readonly id: string };

/**
 * What a change's passkey challenge is bound to (pure): this session and this change only, so
 * that an answer made to remove one passkey removes no other, adds none, and passes no login or
 * session step-up (those are bound to the bare pending-login or session id). Session and
 * passkey ids are base64url: the separators cannot be forged from either.
 */
export function changeBinding(sessionId: string, change: PasskeyChange): string {
  return change.kind === 'add' ? `${sessionId}:passkey-add` : `${sessionId}:passkey-remove:${change.id}`;
}

type ChangeProof = { passed: TwoFactorMethod } | { status: 401 | 403; message: string } | 'answered';

/**
 * Checks the second step posted with a change, under the guessing limits (S15): a passkey's
 * answer (in `assertionField`) to the change's own challenge, or a TOTP or recovery code. None
 * posted: 403; a wrong one: 401 with what the failure tells; locked: 'answered' (429 sent).
 * A refusal is audited as `enrollment.refused`, never with what was typed.
 */
async function changeProof(
  ctx: RouteContext,
  session: SessionRecord,
  change: PasskeyChange,
  form: URLSearchParams,
  assertionField: string,
): Promise<ChangeProof> {
  const { services, scope } = ctx;
  const refused = (reason: string) =>
    audit(services.logger, 'enrollment.refused', {
      user: session.user,
      reason,
      change: change.kind === 'add' ? 'passkey add' : 'passkey remove',
      passkey: change.kind === 'remove' ? change.id : undefined,
      client: scope.client.address,
      request_id: scope.id,
    });
  if (!form.get(assertionField) && !(form.get('code') ?? '').trim()) {
    refused('no second step');
    return { status: 403, message: NO_STEP };
  }
  const methods = await twoFactorMethods(ctx, session.user, session.role);
  const binding = changeBinding(session.id, change);
  const { result, method } = await twoFactorCheck(ctx, session.user, undefined, binding, methods, form, assertionField);
  if (result === 'answered') return result;
  if (result === 'passed') return { passed: method };
  refused('second step failed');
  return { status: 401, message: failureText(GENERIC_FAILURE, result) };
}

/** The account's passkeys pages: the list and adding one, the confirmed removal of one, renaming one. */
export async function passkeysAccount(ctx: RouteContext, session: SessionRecord, route: string): Promise<void> {
  const { scope, services } = ctx;
  const user = session.user;
  if (!factorOffered(ctx, session.role, 'passkey')) return;
  if (await services.questions.isEnrolled(user)) return refuseOtherFactor(ctx, user, 'passkey', 'questions');
  const held = (await twoFactorHeld(services, user)) !== undefined;
  // Nothing held: a first enrollment, under the operator's rule; otherwise the step, in the form.
  const permission = held ? 'allowed' : firstEnrollment(scope);
  if (permission === 'refused') return refuseFirstEnrollment(ctx, user);
  const show = passkeysShown(ctx, session, permission === 'needs-code', held);
  if (route === '/account/passkeys/remove') return removal(ctx, session, show);
  if (ctx.req.method === 'GET') return show(200);
  const form = await postedForm(ctx, session.id);
  if (!form) return;
  if (route === '/account/passkeys/rename') return rename(ctx, session, show, form);
  return add(ctx, session, show, form, held ? 'held' : permission);
}

/** Answers with the passkeys page (status, and an error message). */
type ShowPasskeys = (status: number, message?: string) => Promise<void>;

/** The passkeys page as it stands, with a fresh registration challenge (and a confirmation one when a factor is held). */
function passkeysShown(ctx: RouteContext, session: SessionRecord, askEnrollCode: boolean, held: boolean): ShowPasskeys {
  const { services, prefix, scope } = ctx;
  return async (status, message) => {
    const options = await services.passkeys.registrationOptions(session.user, session.id);
    const methods = await twoFactorMethods(ctx, session.user, session.role);
    const confirm =
      options && held
        ? await twoFactorPrompt(ctx, session.user, changeBinding(session.id, { kind: 'add' }), methods)
        : undefined;
    sendHtml(
      scope,
      ctx.res,
      status,
      passkeysPage(
        { prefix, csrf: csrfToken(services.keys.digest, session.id) },
        { passkeys: await services.passkeys.list(session.user), options, askEnrollCode, confirm },
        message,
      ),
      [],
      { scripts: options !== undefined },
    );
  };
}

/**
 * Adds a passkey. Beside a factor already held, the form carries the step (a code, or a
 * passkey's answer in confirm_response: the new passkey's own answer is in passkey_response),
 * checked before the registration is, so a refused step registers nothing.
 */
async function add(
  ctx: RouteContext,
  session: SessionRecord,
  show: ShowPasskeys,
  form: URLSearchParams,
  permission: 'held' | 'allowed' | 'needs-code',
): Promise<void> {
  const { prefix, scope } = ctx;
  const user = session.user;
  let confirmedWith: TwoFactorMethod | undefined;
  if (permission === 'held') {
    const proof = await changeProof(ctx, session, { kind: 'add' }, form, 'confirm_response');
    if (proof === 'answered') return;
    if (!('passed' in proof)) return show(proof.status, proof.message);
    confirmedWith = proof.passed;
  } else if (permission === 'needs-code') {
    const checked = await enrollCodeCheck(ctx, user, undefined, form);
    if (checked === 'answered') return;
    if (checked !== 'passed') return show(401, failureText(WRONG_ENROLL_CODE, checked));
  }
  // A first factor comes with recovery codes, shown once, as after a first TOTP enrollment.
  const firstFactor = permission !== 'held';
  const codes = await registerAlone(ctx, user, session.id, form, { confirmedWith, firstFactor });
  if (codes === 'questions') return refuseOtherFactor(ctx, user, 'passkey', 'questions');
  if (!codes) return show(401, NOT_REGISTERED);
  await secondStepChanged(ctx, user, 'passkey added');
  if (!firstFactor) return show(200);
  return sendHtml(scope, ctx.res, 200, recoveryCodesPage(codes, `${prefix}/account/passkeys`));
}

/**
 * Removing a passkey: GET shows the step for this one passkey (its challenge made now, for this
 * removal only); POST checks it and removes the passkey.
 */
async function removal(ctx: RouteContext, session: SessionRecord, show: ShowPasskeys): Promise<void> {
  const { scope, services, prefix } = ctx;
  const user = session.user;
  const form = ctx.req.method === 'POST' ? await postedForm(ctx, session.id) : undefined;
  if (ctx.req.method === 'POST' && !form) return;
  const id = (form ?? new URLSearchParams(scope.target.search)).get('passkey') ?? '';
  const passkey = (await services.passkeys.list(user)).find((key) => key.id === id);
  if (!passkey) return show(404, ALREADY_REMOVED);
  const change: PasskeyChange = { kind: 'remove', id };
  const confirmPage = async (status: number, message?: string) => {
    const methods = await twoFactorMethods(ctx, user, session.role);
    const view = {
      prefix,
      csrf: csrfToken(services.keys.digest, session.id),
      action: `${prefix}/account/passkeys/remove`,
      carry: [['passkey', id]] as const,
      note: `Confirm it is you to remove the passkey “${passkey.name}”.`,
    };
    const prompt = await twoFactorPrompt(ctx, user, changeBinding(session.id, change), methods);
    sendHtml(scope, ctx.res, status, stepUpPage(view, prompt, message), [], { scripts: methods.passkey });
  };
  if (!form) return confirmPage(200);
  const proof = await changeProof(ctx, session, change, form, 'passkey_response');
  if (proof === 'answered') return;
  if (!('passed' in proof)) return confirmPage(proof.status, proof.message);
  const facts = {
    user,
    passkey: id,
    by: 'user',
    confirmed_with: proof.passed,
    client: scope.client.address,
    request_id: scope.id,
  };
  const removed = (writes: AuditWrites) => services.passkeys.removeOne(user, id, writes);
  if (!(await auditedChange(services.auditOutbox, user, [{ event: 'passkey.removed', facts }], removed, Boolean))) {
    return show(404, ALREADY_REMOVED);
  }
  // No removal of the recovery codes here: removeOne took them with the last passkey, in its own
  // atomic write, when no TOTP held them; a second write could delete a new factor's fresh codes.
  await secondStepChanged(ctx, user, 'passkey removed');
  return show(200);
}

/**
 * Renames a passkey. Not a factor change, so no step is asked (as Authelia renames a device):
 * the name is a label on the person's own list; it opens nothing, and what a stolen session
 * could do with it (confuse its owner) is far less than it could do anyway. The full session
 * and the form's CSRF token (S10) are what guard it.
 */
async function rename(ctx: RouteContext, session: SessionRecord, show: ShowPasskeys, form: URLSearchParams) {
  const { services, scope } = ctx;
  const id = form.get('passkey') ?? '';
  const name = passkeyName(form.get('name'), '');
  if (name === '') return show(400, 'Please type a name for the passkey.');
  const facts = { user: session.user, passkey: id, client: scope.client.address, request_id: scope.id };
  const events = [{ event: 'enrollment.passkey_renamed', facts }] as const;
  const renamed = (writes: AuditWrites) => services.passkeys.rename(session.user, id, name, writes);
  if (!(await auditedChange(services.auditOutbox, session.user, events, renamed, Boolean))) {
    return show(404, ALREADY_REMOVED);
  }
  return show(200);
}
