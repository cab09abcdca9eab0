// Owns a full session's step-up (issue 16): a path rule asked for a second step this session
// has not passed, or not recently enough. The person passes their factor again (a TOTP or
// recovery code, or the questions asked), the session records when; then the request that
// was held (a form post) is sent to the app as it was, exactly once, and the app's answer is
// the answer to this page's form; a GET is sent back to the path it asked for.

import { classifyRoute, decide } from '../access/decide.js';
import { requirementFor } from '../config/path-rules.js';
import { allowedFactors, enrolledFactors, usableFactor } from '../factors/enrolled-factor.js';
import { sendError, sendHtml, sendRedirect } from '../http/respond.js';
import { safeReturnPath } from '../http/return-path.js';
import { parseRequestTarget } from '../net/request-target.js';
import { audit } from '../ops/audit.js';
import { forwardHeld } from '../proxy/forward.js';
import { csrfToken } from '../session/csrf.js';
import type { HeldRequest } from '../session/held-requests.js';
import type { SessionRecord } from '../session/records.js';
import { allowlistFact } from '../session/request-session.js';
import { sessionVault } from '../session/vault-binding.js';
import { questionTexts } from './account-view.js';
import { type FormContext, messagePage, questionsStepUpPage, stepUpPage } from './forms.js';
import { answersFrom } from './questions-routes.js';
import {
  failureText,
  limitedCheck,
  postedForm,
  type RouteContext,
  twoFactorCheck,
  twoFactorMethods,
  twoFactorPrompt,
} from './route-context.js';

const GENERIC_FAILURE = 'That did not work. Please try again.';

/** The request the step is for: a held one (by id) or a page to go back to. */
interface Purpose {
  held?: string;
  next?: string;
}

function purposeOf(fields: URLSearchParams): Purpose {
  return { held: fields.get('held') ?? undefined, next: safeReturnPath(fields.get('next')) };
}

function gone(ctx: RouteContext): void {
  sendHtml(
    ctx.scope,
    ctx.res,
    409,
    messagePage(
      'Nothing to confirm',
      'This request was already sent, or it waited too long. Please go back and send it again.',
      { href: '/', text: 'Home' },
    ),
  );
}

/** Sends the held request to the app as the session now stands, if the decision for it is still to forward. */
async function sendHeld(ctx: RouteContext, session: SessionRecord, held: HeldRequest): Promise<void> {
  const { scope, req, res, services } = ctx;
  const parsed = parseRequestTarget(held.url);
  if (!parsed.ok) return gone(ctx);
  const heldScope = { ...scope, target: parsed.target };
  const requirement = requirementFor(held.method, parsed.target, scope.runtime.pathRules);
  // Decided again: the configuration may have changed while the request waited.
  const decision = decide({
    // A body counts as a possible credential (issue 11): a login path is never sent from here.
    route: classifyRoute(held.method, parsed.target, ctx.login, requirement, held.body.length > 0),
    session: 'full',
    wantsJson: false,
    allowlist: allowlistFact(scope.runtime, scope.client, services, session),
    requirement,
    method: held.method,
    secondStepAt: session.secondStepAt,
    now: services.now(),
  });
  if (decision.action !== 'forward') return gone(ctx);
  heldScope.session = { id: session.id, user: session.user, role: session.role };
  heldScope.vault = sessionVault(heldScope, req, { ...ctx.rs, session }, services, false);
  audit(services.logger, 'access.held_request_sent', {
    user: session.user,
    method: held.method,
    path: parsed.target.path,
    bytes: held.body.length,
    client: scope.client.address,
    request_id: scope.id,
  });
  forwardHeld(heldScope, res, services.upstream(), held, (code, reason) =>
    sendError(heldScope, req, res, code, reason),
  );
}

/** The step-up page of a full session: GET shows the factor's form, POST checks it and carries on. */
export async function sessionStepUp(ctx: RouteContext, session: SessionRecord): Promise<void> {
  const { scope, req, res, services, prefix } = ctx;
  scope.session = { id: session.id, user: session.user, role: session.role };
  const factor = usableFactor(
    await enrolledFactors(services, session.user),
    allowedFactors(scope.runtime.config, session.role),
  );
  if (!factor) {
    return sendHtml(
      scope,
      res,
      403,
      messagePage(
        'A second step is needed',
        'This page asks for a second step, and your account has none yet. Set one up on your account page, then try again.',
        { href: `${prefix}/account`, text: 'Your account' },
      ),
    );
  }
  const form = req.method === 'POST' ? await postedForm(ctx, session.id) : undefined;
  if (req.method === 'POST' && !form) return;
  const purpose = purposeOf(form ?? new URLSearchParams(scope.target.search));
  const held = purpose.held ? await services.held.peek(purpose.held, session.id) : undefined;
  if (purpose.held && !held) return gone(ctx);

  const asked = factor === 'questions' ? await services.questions.asked(session.user) : undefined;
  const view: FormContext = {
    prefix,
    csrf: csrfToken(services.keys.digest, session.id),
    carry: purpose.held ? [['held', purpose.held]] : purpose.next ? [['next', purpose.next]] : [],
    note: held
      ? `Confirm it is you to send this form (${held.method} ${held.url.split('?', 1)[0]}).`
      : 'Confirm it is you to continue.',
  };
  // The same two-factor rule as a login's (route-context.ts): passkeys wherever a code is asked.
  const methods = factor === 'questions' ? undefined : await twoFactorMethods(ctx, session.user, session.role);
  const page = async (status: number, message?: string) =>
    sendHtml(
      scope,
      res,
      status,
      methods
        ? stepUpPage(view, await twoFactorPrompt(ctx, session.user, session.id, methods), message)
        : questionsStepUpPage(view, questionTexts(scope, asked ?? []), message),
      [],
      { scripts: methods?.passkey === true },
    );
  if (!form) return page(200);

  const checked = methods
    ? await twoFactorCheck(ctx, session.user, undefined, session.id, methods, form)
    : {
        result: await limitedCheck(ctx, session.user, undefined, 'questions', () =>
          services.questions.verify(session.user, answersFrom(form, 'answer') ?? new Map()),
        ),
        method: undefined,
      };
  const outcome = checked.result;
  if (outcome === 'answered') return;
  if (outcome !== 'passed') return page(401, failureText(GENERIC_FAILURE, outcome));
  const marked = await services.records.markSecondStep(session.id);
  if (!marked) return sendRedirect(scope, res, ctx.login.page);
  audit(services.logger, 'step_up.renewed', {
    user: session.user,
    // The factor passed: a passkey where the user holds TOTP too is logged as a passkey.
    factor: checked.method === 'passkey' ? 'passkey' : factor,
    client: scope.client.address,
    request_id: scope.id,
  });
  if (!purpose.held) return sendRedirect(scope, res, purpose.next ?? '/');
  const taken = await services.held.take(purpose.held, session.id);
  if (!taken) return gone(ctx);
  return sendHeld(ctx, marked, taken);
}
