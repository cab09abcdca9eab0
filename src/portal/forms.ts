// Owns the gateway's own forms: the second step (a code or security questions), TOTP
// enrollment, security-question enrollment, the recovery codes shown once, and the account
// page. Every form carries its CSRF token (S10); every value is escaped.

import { PASSKEY_NAME_LENGTH } from '../factors/passkey/passkey-factor.js';
import { escapeHtml, renderPage } from '../http/html.js';

export interface FormContext {
  /** The gateway prefix, e.g. "/_gateway". */
  prefix: string;
  csrf: string;
  /** Further hidden fields the form carries back (a session step-up's held request or return path). */
  carry?: ReadonlyArray<readonly [string, string]>;
  /** Why the step is asked, shown above the form (a session step-up: what it confirms). */
  note?: string;
  /** A login's step where the role allows "trust this browser": for how many days. */
  trustDays?: number;
  /** Where a step's forms post: the step-up page unless the step confirms an account change (S12). */
  action?: string;
}

/** The hidden fields every gateway form carries: its CSRF token and what it carries back. */
export const formHidden = (ctx: FormContext) =>
  [['csrf_token', ctx.csrf] as const, ...(ctx.carry ?? [])]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
/** The "trust this browser" box of a login's second step, when the role allows it. */
const trustField = (ctx: FormContext, id: string) =>
  ctx.trustDays === undefined
    ? ''
    : `<label class="check"><input type="checkbox" id="${id}" name="trust_browser" value="yes"> Trust this browser for ${ctx.trustDays} ${
        ctx.trustDays === 1 ? 'day' : 'days'
      } (skip this step here; not on a shared computer)</label>`;
const note = (ctx: FormContext) => (ctx.note ? `<p><strong>${escapeHtml(ctx.note)}</strong></p>` : '');
const error = (message?: string) => (message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '');

const FORM_STYLE = `<style>
label{display:block;font-weight:600;margin:1rem 0 .4rem}
input[type=text]{font-size:1.4rem;letter-spacing:.15em;padding:.6rem;width:100%;box-sizing:border-box;border:1px solid #c5cad3;border-radius:8px}
button,a.button{margin-top:1rem;font-size:1rem;padding:.7rem 1.2rem;border:0;border-radius:8px;background:#2456c9;color:#fff;cursor:pointer;width:100%}
a.button{display:block;box-sizing:border-box;text-align:center;text-decoration:none}
button.secondary{background:#e8ebf0;color:#1d2330}
.error{color:#a3121d;background:#fdecee;padding:.6rem;border-radius:8px}
.secret{font-family:ui-monospace,monospace;word-break:break-all;background:#f1f3f6;padding:.5rem;border-radius:6px}
.codes{font-family:ui-monospace,monospace;columns:2;column-gap:2.5rem;padding-left:2.2rem;line-height:1.6}
.qr svg{width:100%;max-width:240px;height:auto;display:block;margin:auto}
input.answer{font-size:1rem;letter-spacing:normal}
fieldset{border:0;padding:0;margin:0}
label.check{font-weight:400}
</style>`;

/** What a failed check tells the person besides the generic sentence (S15). */
export interface FailureView {
  /** Tries left before a lock (or before the pending login ends). */
  readonly triesLeft: number;
  /** The code was right but already used (TOTP never accepts a step twice, S5). */
  readonly replayed: boolean;
}

/**
 * The message of a failed check: the generic sentence (S5: never which part was wrong), or, for
 * a code already used, to wait for the next one; then how many tries are left.
 */
export function failureMessage(generic: string, failure: FailureView): string {
  const first = failure.replayed
    ? 'That code was already used. Please wait for the next code in your app, then enter it.'
    : generic;
  if (failure.triesLeft <= 0) return `${first} No tries are left for now: please wait before trying again.`;
  return `${first} ${failure.triesLeft} ${failure.triesLeft === 1 ? 'try' : 'tries'} left.`;
}

/** What a two-factor step offers: a TOTP code, and a passkey when `passkeyOptions` (the sign-in options, with this page's challenge) are given. */
export interface TwoFactorView {
  readonly totp: boolean;
  readonly passkeyOptions?: unknown;
}

/**
 * Options as JSON inside a data block the page script reads: "<" is escaped, so no value can
 * close the element, and the block is never run (CSP allows only the gateway's script files).
 */
function jsonBlock(id: string, value: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`;
}

/** The element holding the sign-in options that confirm a registration (S12). */
const CONFIRM_OPTIONS_ID = 'passkey-options-confirm';

/** The gateway's script files, last in the page so that the forms exist when they run. */
const passkeyScripts = (prefix: string) =>
  `<script src="${escapeHtml(prefix)}/assets/webauthn.js"></script><script src="${escapeHtml(prefix)}/assets/passkey.js"></script>`;

/**
 * A form that runs a passkey ceremony (its button) and posts the answer in passkey_response, with
 * `fields`. With `confirmOptions` (a registration that needs the second step first, S12), an empty
 * code field makes the button sign in with one of the person's passkeys first, to those options,
 * and post that answer in confirm_response.
 */
export function passkeyForm(
  ctx: FormContext,
  mode: 'register' | 'authenticate',
  action: string,
  options: unknown,
  button: string,
  fields = '',
  confirmOptions?: unknown,
): string {
  const id = `passkey-options-${mode}`;
  const confirm =
    confirmOptions === undefined
      ? { block: '', attribute: '', field: '' }
      : {
          block: `${jsonBlock(CONFIRM_OPTIONS_ID, confirmOptions)}\n`,
          attribute: ` data-confirm="${CONFIRM_OPTIONS_ID}"`,
          field: '\n<input type="hidden" name="confirm_response" value="">',
        };
  return `${confirm.block}${jsonBlock(id, options)}
<form method="post" action="${escapeHtml(action)}" data-passkey="${mode}" data-options="${id}"${confirm.attribute}>
${formHidden(ctx)}
<input type="hidden" name="passkey_response" value="">${confirm.field}
${fields}
<button type="button" data-passkey-start disabled>${escapeHtml(button)}</button>
<p class="muted" data-passkey-status role="status"></p>
</form>
${passkeyScripts(ctx.prefix)}`;
}

/** The second step of the two-factor kind: a passkey, a TOTP code, or a recovery code. */
export function stepUpPage(ctx: FormContext, view: TwoFactorView, message?: string): string {
  const action = ctx.action ?? `${ctx.prefix}/step-up`;
  const passkey =
    view.passkeyOptions === undefined
      ? ''
      : `<p>Use a passkey on this device or a security key.</p>
${passkeyForm(ctx, 'authenticate', action, view.passkeyOptions, 'Use a passkey', trustField(ctx, 'trust-passkey'))}
<p class="muted">Or enter a code:</p>`;
  const prompt = view.totp
    ? '<p>Open your authenticator app and enter the 6-digit code for this account.</p>'
    : '<p>No passkey at hand? Enter one of your recovery codes (XXXXX-XXXXX).</p>';
  return renderPage(
    'Verification code',
    `${FORM_STYLE}<h1>${view.passkeyOptions === undefined ? 'Enter your verification code' : 'Confirm it is you'}</h1>
${note(ctx)}
${error(message)}
${passkey}
${prompt}
<form method="post" action="${escapeHtml(action)}">
${formHidden(ctx)}
<label for="code">Code</label>
<input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric"${view.passkeyOptions === undefined ? ' autofocus' : ''} required maxlength="20">
${trustField(ctx, 'trust-code')}
<button type="submit"${view.passkeyOptions === undefined ? '' : ' class="secondary"'}>Verify</button>
</form>
${view.totp ? '<p class="muted">Lost your phone? Enter one of your recovery codes (XXXXX-XXXXX) instead.</p>' : ''}`,
  );
}

export interface EnrollmentView {
  secret: string;
  qrSvg: string;
  /** The otpauth:// URI: a phone that shows this page cannot scan its own screen, but can open the link. */
  uri: string;
  /** Where the form posts: the pending login's enrollment or the account page's. */
  action: string;
  /** Asked when first enrollment requires an operator's one-time code. */
  askEnrollCode: boolean;
  /** Where security questions are set up instead, when they may be. */
  questionsHref?: string;
  /** Where a passkey is set up instead, when passkeys are on for this role. */
  passkeyHref?: string;
}

/** The operator's one-time code a first enrollment may require (enrollment.first: code). */
const ENROLL_CODE_FIELD = `<label for="enroll_code">Enrollment code from your administrator</label>
<input type="text" id="enroll_code" name="enroll_code" autocomplete="off" required maxlength="40">`;

/** TOTP enrollment: the QR code, the secret as text, and a code to prove the app has it. */
export function enrollPage(ctx: FormContext, view: EnrollmentView, message?: string): string {
  const enrollCode = view.askEnrollCode ? ENROLL_CODE_FIELD : '';
  return renderPage(
    'Set up two-factor authentication',
    `${FORM_STYLE}<h1>Set up your authenticator app</h1>
<p>Scan this code with Google Authenticator (or any TOTP app), then enter the 6-digit code it shows.</p>
${error(message)}
<div class="qr">${view.qrSvg}</div>
<p><a href="${escapeHtml(view.uri)}">Open in your authenticator app</a> (on this phone)</p>
<p>Or enter this key by hand:</p>
<p class="secret" id="totp-secret">${escapeHtml(view.secret)}</p>
<form method="post" action="${escapeHtml(view.action)}">
${formHidden(ctx)}
${enrollCode}
<label for="code">Code from the app</label>
<input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="10">
<button type="submit">Turn on two-factor authentication</button>
</form>${
      view.passkeyHref
        ? `<p class="muted">Rather use this device's fingerprint, face or PIN? <a href="${escapeHtml(view.passkeyHref)}">Set up a passkey instead</a>.</p>`
        : ''
    }${
      view.questionsHref
        ? `<p class="muted">No authenticator app? <a href="${escapeHtml(view.questionsHref)}">Answer security questions instead</a> (weaker than an app).</p>`
        : ''
    }`,
  );
}

/** The name field of a new passkey. */
const PASSKEY_NAME_FIELD = `<label for="passkey-name">Name for this passkey</label>
<input type="text" id="passkey-name" name="name" class="answer" maxlength="${PASSKEY_NAME_LENGTH}" placeholder="Work laptop" autocomplete="off">`;

export interface PasskeyEnrollView {
  /** Where the form posts. */
  action: string;
  /** The registration options, with this page's challenge. */
  options: unknown;
  askEnrollCode: boolean;
  /** Where TOTP is set up instead. */
  totpHref: string;
}

/** A first enrollment with a passkey: a name, the operator's code when asked, the button. */
export function passkeyEnrollPage(ctx: FormContext, view: PasskeyEnrollView, message?: string): string {
  const fields = `${view.askEnrollCode ? ENROLL_CODE_FIELD : ''}${PASSKEY_NAME_FIELD}`;
  return renderPage(
    'Set up a passkey',
    `${FORM_STYLE}<h1>Set up a passkey</h1>
<p>A passkey lives on this device (or a security key) and unlocks with your fingerprint, face or PIN. It only works on this site, so it cannot be phished.</p>
${error(message)}
${passkeyForm(ctx, 'register', view.action, view.options, 'Create a passkey', fields)}
<p class="muted">Prefer an app? <a href="${escapeHtml(view.totpHref)}">Set up an authenticator app instead</a>.</p>`,
  );
}

/** A passkey as the pages list it. */
export interface PasskeyRow {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly lastUsedAt?: number;
}

export interface PasskeysView {
  passkeys: readonly PasskeyRow[];
  /** The registration options, with this page's challenge; undefined when passkeys are off. */
  options?: unknown;
  askEnrollCode: boolean;
  /**
   * What adding a passkey asks when a two-factor factor is held (S12): a code, or one of the
   * person's passkeys answering a challenge made for this addition. Undefined for a first one.
   */
  confirm?: TwoFactorView;
}

/** A date as the pages show it: UTC, to the minute. */
export function shortDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** One listed passkey: its dates, a form to rename it, and a button to the page that confirms its removal. */
function passkeyRow(ctx: FormContext, key: PasskeyRow): string {
  const prefix = escapeHtml(ctx.prefix);
  const name = escapeHtml(key.name);
  const id = escapeHtml(key.id);
  const used = key.lastUsedAt === undefined ? 'never used' : `last used ${shortDate(key.lastUsedAt)}`;
  return `<li><strong>${name}</strong><br><span class="muted">added ${shortDate(key.createdAt)}, ${used}</span>
<form method="post" action="${prefix}/account/passkeys/rename">${formHidden(ctx)}<input type="hidden" name="passkey" value="${id}">
<input type="text" class="answer" name="name" value="${name}" maxlength="${PASSKEY_NAME_LENGTH}" required aria-label="New name for ${name}">
<button type="submit" class="secondary" aria-label="Rename ${name}">Rename</button></form>
<form method="get" action="${prefix}/account/passkeys/remove"><input type="hidden" name="passkey" value="${id}"><button type="submit" class="secondary" aria-label="Remove ${name}">Remove</button></form></li>`;
}

/** The second step a registration asks in its own form (S12): a code, or (left empty) a passkey first. */
function confirmFields(confirm: TwoFactorView): string {
  const byPasskey = confirm.passkeyOptions !== undefined;
  return `<p><strong>Confirm it is you</strong> to add a passkey.</p>
<label for="confirm-code">${confirm.totp ? 'Code from your authenticator app, or a recovery code' : 'A recovery code'}</label>
<input type="text" id="confirm-code" name="code" class="answer" autocomplete="one-time-code" maxlength="20"${byPasskey ? '' : ' required'}>
${byPasskey ? '<p class="muted">Or leave it empty: the button then asks one of your passkeys first.</p>' : ''}`;
}

/** The account's passkeys: each with its dates, rename and remove, and the form to add one. */
export function passkeysPage(ctx: FormContext, view: PasskeysView, message?: string): string {
  const prefix = escapeHtml(ctx.prefix);
  const list =
    view.passkeys.length > 0
      ? `<ul id="passkeys">${view.passkeys.map((key) => passkeyRow(ctx, key)).join('')}</ul>`
      : '<p>You have no passkeys yet.</p>';
  const add =
    view.options === undefined
      ? ''
      : passkeyForm(
          ctx,
          'register',
          `${ctx.prefix}/account/passkeys`,
          view.options,
          'Add a passkey',
          `${view.askEnrollCode ? ENROLL_CODE_FIELD : ''}${PASSKEY_NAME_FIELD}${view.confirm ? confirmFields(view.confirm) : ''}`,
          view.confirm?.passkeyOptions,
        );
  return renderPage(
    'Passkeys',
    `${FORM_STYLE}<h1>Passkeys</h1>${error(message)}${list}${add}
<p><a href="${prefix}/account">Back to your account</a></p>`,
  );
}

/**
 * The recovery codes, shown once, then a way on. None: the factor just added found the codes of
 * its kind already issued (with a passkey or TOTP added meanwhile, maybe on another gateway),
 * and the page says those stay rather than show codes that were never stored.
 */
export function recoveryCodesPage(codes: readonly string[], continueHref: string): string {
  const list = codes.map((code) => `<li>${escapeHtml(code)}</li>`).join('');
  const body =
    codes.length > 0
      ? `<p>Save these recovery codes somewhere safe. Each works once in place of a code if you lose your phone.
They will not be shown again.</p>
<ol class="codes" id="recovery-codes">${list}</ol>`
      : `<p id="recovery-codes-kept">Your recovery codes are unchanged: they are the ones shown when you added your
other second factor, and no new ones were issued.</p>`;
  return renderPage(
    'Recovery codes',
    `${FORM_STYLE}<h1>Two-factor authentication is on</h1>
${body}
<p><a class="button" href="${escapeHtml(continueHref)}">Continue</a></p>`,
  );
}

export interface AccountView {
  user: string;
  totpEnrolled: boolean;
  /** How many passkeys the user has. */
  passkeys: number;
  /** Whether passkeys are on for this user's role (a link to them is shown). */
  passkeysOffered: boolean;
  recoveryCodesLeft: number;
  /** The questions to answer to turn security questions off; undefined when they are not on, empty when none can be asked. */
  questionsAsked?: readonly QuestionText[];
  /** Whether this session may use the admin pages (a link to them is shown). */
  admin: boolean;
}

/** The account page: the state of both second factors (one at a time) and the actions on them. */
export function accountPage(ctx: FormContext, view: AccountView, message?: string): string {
  const prefix = escapeHtml(ctx.prefix);
  const passkeyLink =
    view.passkeysOffered || view.passkeys > 0
      ? `<p><a href="${prefix}/account/passkeys">${view.passkeys > 0 ? `Passkeys (${view.passkeys})` : 'Set up a passkey'}</a></p>`
      : '';
  let body: string;
  if (!view.totpEnrolled && view.passkeys > 0) {
    body = `<p>Two-factor authentication is <strong>on</strong> with passkeys (${view.recoveryCodesLeft} recovery codes left).</p>
${passkeyLink}
<p><a href="${prefix}/account/enroll">Add an authenticator app</a></p>
<p class="muted">Security questions are off: only one kind of second step can be on at a time.</p>`;
  } else if (view.totpEnrolled) {
    body = `<p>Two-factor authentication is <strong>on</strong> (${view.recoveryCodesLeft} recovery codes left).</p>
<form method="post" action="${prefix}/account/disable">
${formHidden(ctx)}
<label for="code">Current code, to turn it off</label>
<input type="text" id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="20">
<button type="submit" class="secondary">Turn off two-factor authentication</button>
</form>
${passkeyLink}
<p class="muted">Security questions are off: only one second step can be on at a time.</p>`;
  } else if (view.questionsAsked?.length === 0) {
    body = `<p>Security questions are <strong>on</strong>, but the list of questions has changed and yours cannot be asked.
Please ask your administrator to reset your second step.</p>`;
  } else if (view.questionsAsked) {
    body = `<p>Security questions are <strong>on</strong>.</p>
<p><a href="${prefix}/account/questions">Change your answers</a></p>
<form method="post" action="${prefix}/account/questions/disable">
${formHidden(ctx)}
<p>To turn them off, answer:</p>
${answerFields(view.questionsAsked, 'current')}
<button type="submit" class="secondary">Turn off security questions</button>
</form>
<p class="muted">An authenticator app is stronger. To switch, turn off security questions, then set up the app.</p>`;
  } else {
    body = `<p>Two-factor authentication is <strong>off</strong>.</p>
<p><a href="${prefix}/account/enroll">Set up an authenticator app</a> (recommended)</p>
${passkeyLink}
<p><a href="${prefix}/account/questions">Set up security questions</a></p>`;
  }
  body += `<p><a href="${prefix}/account/sessions">Your sessions and devices</a></p>`;
  const admin = view.admin
    ? `<p><a href="${prefix}/admin/users">Admin console</a> (users, audit events, staff IP allowlists)</p>`
    : '';
  return renderPage(
    'Account security',
    `${FORM_STYLE}<h1>Account security</h1><p class="muted">Signed in as ${escapeHtml(view.user)}</p>${error(message)}${body}${admin}
<form method="post" action="${prefix}/logout">${formHidden(ctx)}<button type="submit" class="secondary">Sign out</button></form>`,
  );
}

/** A security question as a page shows it. */
export interface QuestionText {
  readonly id: string;
  readonly text: string;
}

/** Answer inputs named `${field}_${id}`, optionally re-filled with what was typed. */
function answerFields(
  questions: readonly QuestionText[],
  field: 'answer' | 'current',
  values?: ReadonlyMap<string, string>,
  required = true,
): string {
  return questions
    .map(({ id, text }) => {
      const name = escapeHtml(`${field}_${id}`);
      const value = values?.get(id);
      return `<label for="${name}">${escapeHtml(text)}</label>
<input type="text" class="answer" id="${name}" name="${name}" autocomplete="off" autocapitalize="none" spellcheck="false" maxlength="200"${
        value ? ` value="${escapeHtml(value)}"` : ''
      }${required ? ' required' : ''}>`;
    })
    .join('\n');
}

/** The security-question prompt of the second step: the questions asked, every one to be answered. */
export function questionsStepUpPage(ctx: FormContext, asked: readonly QuestionText[], message?: string): string {
  return renderPage(
    'Security questions',
    `${FORM_STYLE}<h1>Answer your security questions</h1>
${note(ctx)}
<p>Type the answers you gave when you set them up. Case, extra spaces and punctuation at either end do not matter; accents do.</p>
${error(message)}
<form method="post" action="${escapeHtml(ctx.prefix)}/step-up">
${formHidden(ctx)}
${answerFields(asked, 'answer')}
${trustField(ctx, 'trust-answers')}
<button type="submit">Verify</button>
</form>`,
  );
}

export interface QuestionsEnrollView {
  /** Where the form posts: the pending login's enrollment or the account page's. */
  action: string;
  catalogue: readonly QuestionText[];
  required: number;
  minLength: number;
  /** The new answers as typed, put back after a refusal (the user's own, on their own screen). */
  values: ReadonlyMap<string, string>;
  /** Asked when first enrollment requires an operator's one-time code. */
  askEnrollCode: boolean;
  /** A change of answers: the questions to answer first with the current answers (S12). */
  current?: readonly QuestionText[];
  /** Where an authenticator app is set up instead, when it may be. */
  totpHref?: string;
}

/** Security-question enrollment (or a change of answers): every question of the catalogue, `required` to answer. */
export function questionsEnrollPage(ctx: FormContext, view: QuestionsEnrollView, message?: string): string {
  const enrollCode = view.askEnrollCode ? ENROLL_CODE_FIELD : '';
  const current = view.current
    ? `<fieldset id="current-answers"><p><strong>First, your current answers:</strong></p>
${answerFields(view.current, 'current')}</fieldset>
<p><strong>Then the new answers:</strong></p>`
    : '';
  const alternative = view.totpHref
    ? `<p class="muted">An authenticator app is stronger: <a href="${escapeHtml(view.totpHref)}">set up an app instead</a>.</p>`
    : '';
  return renderPage(
    view.current ? 'Change your security questions' : 'Set up security questions',
    `${FORM_STYLE}<h1>${view.current ? 'Change your answers' : 'Set up security questions'}</h1>
<p>Answer at least ${view.required} of these questions, each at least ${view.minLength} characters, all different.
At sign-in you will be asked some of them. Pick answers that others cannot find or guess.</p>
<p class="muted">Case, extra spaces and punctuation at either end do not matter; accents do.</p>
${error(message)}
<form method="post" action="${escapeHtml(view.action)}">
${formHidden(ctx)}
${enrollCode}
${current}
${answerFields(view.catalogue, 'answer', view.values, false)}
<button type="submit">${view.current ? 'Save the new answers' : 'Turn on security questions'}</button>
</form>
${alternative}`,
  );
}

/** A plain message page (locked out, expired login, refused enrollment). */
export function messagePage(title: string, message: string, link?: { href: string; text: string }): string {
  const more = link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  return renderPage(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${more}`);
}
