// The public password-reset pages; they never reveal whether an account exists.
import { readForm } from '../body.js';
import { CSRF_FIELD, requireCsrf } from '../csrf.js';
import { sendHtml } from '../responses.js';
import type { Router } from '../router.js';
import type { AppServices } from '../services.js';
import { passwordResetPage } from '../views.js';

export function registerPasswordResetRoutes(router: Router, services: AppServices): void {
  router.get('/password-reset', ({ req, res }) => {
    const { csrfToken } = services.sessions.ensure(req, res);
    sendHtml(res, 200, passwordResetPage({ csrfToken, submitted: false }));
  });

  router.post('/password-reset', async ({ req, res }) => {
    const form = await readForm(req);
    const session = services.sessions.fromRequest(req);
    requireCsrf(session, form.get(CSRF_FIELD));
    const account = JSON.stringify(form.get('account') ?? '');
    services.logger.info(`invoice-app: password reset requested for ${account}`);
    sendHtml(res, 200, passwordResetPage({ csrfToken: session.csrfToken, submitted: true }));
  });
}
