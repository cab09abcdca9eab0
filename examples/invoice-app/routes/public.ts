// Pages anyone may open without signing in: read-only invoice share links.
import { HttpError } from '../errors.js';
import { sendHtml } from '../responses.js';
import type { Router } from '../router.js';
import type { AppServices } from '../services.js';
import { publicInvoicePage } from '../views.js';

export function registerPublicRoutes(router: Router, services: AppServices): void {
  router.get('/public/invoices/:token', ({ res, params }) => {
    const invoice = services.invoices.byShareToken(params.token ?? '');
    if (!invoice) throw new HttpError(404, 'this share link is not valid');
    sendHtml(res, 200, publicInvoicePage(invoice));
  });
}
