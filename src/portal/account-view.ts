// Owns rendering the account page from the user's current state: which second factor is on
// (one at a time), the recovery codes left, and the questions a change or disable would ask.

import { allowedFactors } from '../factors/enrolled-factor.js';
import { sendHtml } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import { csrfToken } from '../session/csrf.js';
import type { SessionRecord } from '../session/records.js';
import { isVerifiedAdmin } from './admin-access.js';
import { accountPage, type QuestionText } from './forms.js';
import type { RouteContext } from './route-context.js';

/** The catalogue's text of each question id (the id itself for a question the catalogue dropped). */
export function questionTexts(scope: RequestScope, ids: readonly string[]): QuestionText[] {
  const { catalogue } = scope.runtime.config.questions;
  return ids.map((id) => catalogue.find((q) => q.id === id) ?? { id, text: id });
}

/** Renders the account page with the state of both factors; `message` is shown as an error. */
export async function renderAccount(
  ctx: RouteContext,
  session: SessionRecord,
  status: number,
  message?: string,
): Promise<void> {
  const { scope, services, prefix } = ctx;
  const totpEnrolled = await services.totp.isEnrolled(session.user);
  const passkeys = (await services.passkeys.list(session.user)).length;
  const questionsOn = !totpEnrolled && passkeys === 0 && (await services.questions.isEnrolled(session.user));
  const asked = questionsOn ? ((await services.questions.asked(session.user)) ?? []) : undefined;
  sendHtml(
    scope,
    ctx.res,
    status,
    accountPage(
      { prefix, csrf: csrfToken(services.keys.digest, session.id) },
      {
        user: session.user,
        totpEnrolled,
        passkeys,
        passkeysOffered: allowedFactors(scope.runtime.config, session.role).includes('passkey'),
        recoveryCodesLeft: await services.recovery.remaining(session.user),
        questionsAsked: asked && questionTexts(scope, asked),
        admin: isVerifiedAdmin(session),
      },
      message,
    ),
  );
}
