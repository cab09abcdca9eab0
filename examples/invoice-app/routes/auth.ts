// Signing in and out: the login page and form, the JSON login API, the CSRF token endpoint and logout.
import type { ServerResponse } from 'node:http';
import { readForm, readJson, readLenientFields } from '../body.js';
import { CSRF_FIELD, csrfHeader, requireCsrf } from '../csrf.js';
import { HttpError } from '../errors.js';
import { currentUser } from '../guards.js';
import { redirect, sendHtml, sendJson } from '../responses.js';
import type { RequestContext, Router } from '../router.js';
import type { AppServices } from '../services.js';
import type { Session } from '../sessions.js';
import type { User } from '../users.js';
import { loginPage } from '../views.js';

const AFTER_LOGIN = '/dashboard';
const LOGIN_FAILED = 'Invalid username or password.';
const REDIRECT_BASE = 'http://invoice-app.internal';

/** Only same-origin paths are followed after login, so `next` cannot become an open redirect. */
function safeNext(candidate: string | null): string {
  if (!candidate?.startsWith('/')) return AFTER_LOGIN;
  // The URL parser sees `//host`, `/\host` and embedded tabs or newlines the way browsers do.
  const target = new URL(candidate, REDIRECT_BASE);
  return target.origin === REDIRECT_BASE ? target.pathname + target.search + target.hash : AFTER_LOGIN;
}

function credentialsFrom(body: unknown): { username: string; password: string } {
  if (typeof body === 'object' && body !== null) {
    const { username, password } = body as Record<string, unknown>;
    if (typeof username === 'string' && typeof password === 'string') return { username, password };
  }
  throw new HttpError(400, 'expected a JSON object with string fields "username" and "password"');
}

async function authenticate(services: AppServices, username: string, password: string): Promise<User | undefined> {
  const user = await services.users.verify(username, password);
  if (!user) services.logger.warn(`invoice-app: failed login for ${JSON.stringify(username)}`);
  return user;
}

function signIn(services: AppServices, session: Session, user: User, res: ServerResponse): void {
  services.sessions.logIn(session, user.name, res);
  services.logger.info(`invoice-app: ${user.name} signed in`);
}

export function registerAuthRoutes(router: Router, services: AppServices): void {
  router.get('/', ({ req, res }) => {
    redirect(res, currentUser(services, req) ? AFTER_LOGIN : '/login');
  });

  router.get('/login', async (ctx) => {
    const { req, res, url } = ctx;
    if (services.lenient && (url.searchParams.has('username') || url.searchParams.has('password'))) {
      await formLogin(ctx);
      return;
    }
    if (currentUser(services, req)) {
      redirect(res, AFTER_LOGIN);
      return;
    }
    const { csrfToken } = services.sessions.ensure(req, res);
    sendHtml(res, 200, loginPage({ csrfToken, next: url.searchParams.get('next') ?? undefined }));
  });

  /** The login form posted (or, leniently, any request carrying its fields). */
  async function formLogin({ req, res, url }: RequestContext): Promise<void> {
    const form = services.lenient ? await readLenientFields(req, url) : await readForm(req);
    const session = services.sessions.fromRequest(req);
    requireCsrf(session, form.get(CSRF_FIELD));
    const username = form.get('username') ?? '';
    const next = form.get('next') ?? url.searchParams.get('next');
    const user = await authenticate(services, username, form.get('password') ?? '');
    if (!user) {
      const model = { csrfToken: session.csrfToken, next: next ?? undefined, username, error: LOGIN_FAILED };
      sendHtml(res, 200, loginPage(model));
      return;
    }
    signIn(services, session, user, res);
    redirect(res, safeNext(next));
  }

  router.post('/login', formLogin);

  router.post('/api/login', async ({ req, res }) => {
    const session = services.sessions.fromRequest(req);
    requireCsrf(session, csrfHeader(req));
    const { username, password } = credentialsFrom(await readJson(req));
    const user = await authenticate(services, username, password);
    if (!user) {
      sendJson(res, 401, { ok: false, error: 'invalid credentials' });
      return;
    }
    signIn(services, session, user, res);
    sendJson(res, 200, { ok: true, user: { name: user.name, role: user.role } });
  });

  router.get('/api/csrf', ({ req, res }) => {
    sendJson(res, 200, { csrfToken: services.sessions.ensure(req, res).csrfToken });
  });

  router.post('/logout', async ({ req, res }) => {
    const form = await readForm(req);
    const session = services.sessions.fromRequest(req);
    if (session) {
      requireCsrf(session, form.get(CSRF_FIELD));
      services.sessions.destroy(session, res);
    }
    redirect(res, '/login');
  });
}
