// The signed-in home page and the JSON API behind it.
import { requireLogin } from '../guards.js';
import { type Invoice, invoiceNumber } from '../invoices.js';
import { sendHtml, sendJson } from '../responses.js';
import type { Router } from '../router.js';
import type { AppServices } from '../services.js';
import { dashboardPage } from '../views.js';

// Share tokens stay out of the API: they are for the people an invoice is deliberately shared with.
function invoiceJson(invoice: Invoice): Record<string, unknown> {
  const { id, customer, amountCents, currency, status, issuedOn } = invoice;
  return { id, number: invoiceNumber(invoice), customer, amountCents, currency, status, issuedOn };
}

export function registerDashboardRoutes(router: Router, services: AppServices): void {
  router.get(
    '/dashboard',
    requireLogin(services, 'redirect', ({ res }, { user, session }) => {
      const invoices = services.invoices.list();
      sendHtml(res, 200, dashboardPage({ user, csrfToken: session.csrfToken, invoices }));
    }),
  );

  router.get(
    '/api/invoices',
    requireLogin(services, 'unauthorized', ({ res }) => {
      sendJson(res, 200, { invoices: services.invoices.list().map(invoiceJson) });
    }),
  );

  router.get(
    '/api/me',
    requireLogin(services, 'unauthorized', ({ res }, { user }) => {
      sendJson(res, 200, { name: user.name, role: user.role });
    }),
  );
}
