// Owns the bench's browser stand-in for the gateway's login pages: it keeps the gateway
// cookie, reads CSRF tokens and the asked questions from the pages, enrolls a user (security
// questions or TOTP) and logs one in through the second step, as the login storm needs.
// A client may come from an address of its own (X-Forwarded-For, believed from the bench's
// 127.0.0.1 when the gateway trusts it as a proxy), as the users of a site do.

import { generateSync } from 'otplib';
import { BENCH_PASSWORD } from '../servers/upstream-routes.js';

export interface PageAnswer {
  status: number;
  location: string | undefined;
  text: string;
}

/** The catalogue ids of the default questions (src/config/sections/questions.ts) a storm user answers. */
const ANSWERED = ['first-pet', 'childhood-street', 'first-school', 'first-car', 'childhood-hero'];
const answerTo = (id: string) => `answer to ${id}`;
/** RFC 6238's step, as the gateway uses it. */
export const TOTP_STEP_SECONDS = 30;

export class GatewayClient {
  private cookie = '';

  constructor(
    private readonly base: string,
    readonly user: string,
    /** The client's address, sent as X-Forwarded-For; the socket's (127.0.0.1) when absent. */
    private readonly address?: string,
  ) {}

  async send(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<PageAnswer> {
    const headers: Record<string, string> = this.address ? { 'x-forwarded-for': this.address } : {};
    if (this.cookie) headers.cookie = this.cookie;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const line = res.headers.getSetCookie().find((text) => text.startsWith('gw_session='));
    if (line) this.cookie = line.split(';', 1)[0]?.endsWith('=') ? '' : (line.split(';', 1)[0] as string);
    return { status: res.status, location: res.headers.get('location') ?? undefined, text: await res.text() };
  }

  /** The app's password form, through the gateway: a full session (303 to the app) or a second step owed. */
  async signIn(): Promise<'full' | 'step-up'> {
    const answer = await this.send('POST', '/login', { username: this.user, password: BENCH_PASSWORD });
    if (answer.status !== 303) throw new Error(`${this.user}: login answered ${answer.status}`);
    return answer.location?.includes('/_gateway/') ? 'step-up' : 'full';
  }

  /** Enrolls the default answers from the account page. */
  async enrollQuestions(): Promise<void> {
    if ((await this.signIn()) !== 'full') throw new Error(`${this.user}: expected a full session to enroll`);
    const page = await this.send('GET', '/_gateway/account/questions');
    const form: Record<string, string> = { csrf_token: csrfOf(page.text) };
    for (const id of ANSWERED) form[`answer_${id}`] = answerTo(id);
    const saved = await this.send('POST', '/_gateway/account/questions', form);
    if (saved.status >= 400) throw new Error(`${this.user}: enrolling questions answered ${saved.status}`);
  }

  /** Enrolls TOTP from the account page; returns the secret. */
  async enrollTotp(): Promise<string> {
    if ((await this.signIn()) !== 'full') throw new Error(`${this.user}: expected a full session to enroll`);
    const page = await this.send('GET', '/_gateway/account/enroll');
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.text)?.[1];
    if (!secret) throw new Error(`${this.user}: no TOTP secret on the enrollment page`);
    const done = await this.send('POST', '/_gateway/account/enroll', {
      csrf_token: csrfOf(page.text),
      code: generateSync({ secret }),
    });
    if (done.status !== 200) throw new Error(`${this.user}: confirming TOTP answered ${done.status}`);
    return secret;
  }

  /**
   * Signs in through the second step with the right answer (the asked questions, or the TOTP
   * code of `step`, the current one by default); resolves to the status of the last answer (303: a full session; 503:
   * the verification queue was full), or of the password form when that was refused.
   */
  async signInWithSecondStep(totp?: { secret: string; step?: number }): Promise<number> {
    this.cookie = '';
    const password = await this.send('POST', '/login', { username: this.user, password: BENCH_PASSWORD });
    if (password.status !== 303) return password.status;
    if (!password.location?.includes('/_gateway/')) throw new Error(`${this.user}: expected a second step`);
    const page = await this.send('GET', '/_gateway/step-up');
    const form: Record<string, string> = { csrf_token: csrfOf(page.text) };
    if (totp)
      form.code = generateSync({
        secret: totp.secret,
        ...(totp.step === undefined ? {} : { epoch: totp.step * TOTP_STEP_SECONDS }),
      });
    else
      for (const [, id] of page.text.matchAll(/name="answer_([a-z0-9-]+)"/g))
        form[`answer_${id}`] = answerTo(id as string);
    return (await this.send('POST', '/_gateway/step-up', form)).status;
  }
}

function csrfOf(html: string): string {
  const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}
