// HTML pages of the app, built with the escaping html`` tag and a shared layout.
import { STATUS_CODES } from 'node:http';
import { CSRF_FIELD } from './csrf.js';
import { html, type SafeHtml } from './html.js';
import { formatAmount, type Invoice, invoiceNumber } from './invoices.js';
import type { User } from './users.js';

const APP_NAME = 'Invoicely';

interface LayoutOptions {
  readonly title: string;
  readonly account?: { readonly user: User; readonly csrfToken: string };
  readonly scripts?: readonly string[];
}

function csrfInput(csrfToken: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken}">`;
}

function accountMenu(user: User, csrfToken: string): SafeHtml {
  return html`<nav class="account">
      <a href="/dashboard">Dashboard</a>
      <span class="user">${user.name} <span class="role">${user.role}</span></span>
      <form method="post" action="/logout" class="inline">
        ${csrfInput(csrfToken)}
        <button type="submit" class="link">Sign out</button>
      </form>
    </nav>`;
}

function layout(options: LayoutOptions, content: SafeHtml): SafeHtml {
  const scripts = (options.scripts ?? []).map((src) => html`<script type="module" src="${src}"></script>`);
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${options.title} · ${APP_NAME}</title>
  <link rel="stylesheet" href="/static/app.css">
  ${scripts}
</head>
<body>
  <header class="topbar">
    <a class="brand" href="/">${APP_NAME}</a>
    ${options.account ? accountMenu(options.account.user, options.account.csrfToken) : ''}
  </header>
  <main>
${content}
  </main>
</body>
</html>
`;
}

export interface LoginPageModel {
  readonly csrfToken: string;
  readonly next?: string | undefined;
  readonly username?: string | undefined;
  readonly error?: string | undefined;
}

export function loginPage(model: LoginPageModel): SafeHtml {
  return layout(
    { title: 'Sign in' },
    html`<section class="card narrow">
      <h1>Sign in</h1>
      ${model.error ? html`<p class="alert" role="alert">${model.error}</p>` : ''}
      <form method="post" action="/login" class="stacked">
        ${csrfInput(model.csrfToken)}
        ${model.next ? html`<input type="hidden" name="next" value="${model.next}">` : ''}
        <label>Username
          <input name="username" autocomplete="username" value="${model.username ?? ''}" required autofocus>
        </label>
        <label>Password
          <input type="password" name="password" autocomplete="current-password" required>
        </label>
        <button type="submit">Sign in</button>
      </form>
      <p class="muted"><a href="/password-reset">Forgot your password?</a></p>
    </section>`,
  );
}

function invoiceRow(invoice: Invoice): SafeHtml {
  const id = encodeURIComponent(invoice.id);
  const shareToken = encodeURIComponent(invoice.shareToken);
  return html`<tr>
          <td>${invoiceNumber(invoice)}</td>
          <td>${invoice.customer}</td>
          <td class="amount">${formatAmount(invoice)}</td>
          <td><span class="status status-${invoice.status}">${invoice.status}</span></td>
          <td>${invoice.issuedOn}</td>
          <td class="actions">
            <a href="/invoices/${id}/download">Download</a>
            <a href="/public/invoices/${shareToken}">Share link</a>
          </td>
        </tr>`;
}

export interface DashboardModel {
  readonly user: User;
  readonly csrfToken: string;
  readonly invoices: readonly Invoice[];
}

export function dashboardPage(model: DashboardModel): SafeHtml {
  // The upload form carries its CSRF token in the query string so the body can be streamed unparsed.
  const uploadAction = `/invoices/upload?${CSRF_FIELD}=${encodeURIComponent(model.csrfToken)}`;
  return layout(
    {
      title: 'Dashboard',
      account: { user: model.user, csrfToken: model.csrfToken },
      scripts: ['/static/app.js'],
    },
    html`<section class="card">
      <h1>Invoices</h1>
      <p class="muted" id="invoice-count">Counting invoices…</p>
      <table>
        <thead>
          <tr><th>Number</th><th>Customer</th><th>Amount</th><th>Status</th><th>Issued</th><th></th></tr>
        </thead>
        <tbody>
        ${model.invoices.map(invoiceRow)}
        </tbody>
      </table>
    </section>
    <div class="columns">
      <section class="card">
        <h2>Upload a document</h2>
        <form method="post" action="${uploadAction}" enctype="multipart/form-data" class="stacked">
          <input type="file" name="document" required>
          <button type="submit">Upload</button>
        </form>
      </section>
      <section class="card">
        <h2>Export</h2>
        <p>Download all invoices as one generated export file.</p>
        <p><a class="button" href="/invoices/export?size=1048576">Download export (1 MiB)</a></p>
      </section>
    </div>
    <section class="card">
      <h2>Live activity</h2>
      <p>Server events received: <strong id="event-count">0</strong></p>
      <ul id="live-events" class="events"></ul>
    </section>`,
  );
}

function invoiceDetails(invoice: Invoice): SafeHtml {
  return html`<dl class="details">
        <dt>Customer</dt><dd>${invoice.customer}</dd>
        <dt>Issued on</dt><dd>${invoice.issuedOn}</dd>
        <dt>Amount</dt><dd>${formatAmount(invoice)}</dd>
        <dt>Status</dt><dd><span class="status status-${invoice.status}">${invoice.status}</span></dd>
      </dl>`;
}

export function publicInvoicePage(invoice: Invoice): SafeHtml {
  return layout(
    { title: invoiceNumber(invoice) },
    html`<section class="card narrow">
      <p class="muted">Shared invoice · read-only</p>
      <h1>Invoice ${invoiceNumber(invoice)}</h1>
      ${invoiceDetails(invoice)}
    </section>`,
  );
}

export function passwordResetPage(model: { readonly csrfToken: string; readonly submitted: boolean }): SafeHtml {
  const body = model.submitted
    ? html`<p class="notice">If the account exists, an email with reset instructions was sent.</p>
      <p><a href="/login">Back to sign in</a></p>`
    : html`<form method="post" action="/password-reset" class="stacked">
        ${csrfInput(model.csrfToken)}
        <label>Username or email
          <input name="account" autocomplete="username" required autofocus>
        </label>
        <button type="submit">Send reset link</button>
      </form>`;
  return layout(
    { title: 'Reset password' },
    html`<section class="card narrow">
      <h1>Reset your password</h1>
      ${body}
    </section>`,
  );
}

export function uploadResultPage(result: { readonly bytes: number; readonly sha256: string }): SafeHtml {
  return layout(
    { title: 'Upload received' },
    html`<section class="card narrow">
      <h1>Upload received</h1>
      <dl class="details">
        <dt>Bytes</dt><dd>${result.bytes}</dd>
        <dt>SHA-256</dt><dd><code>${result.sha256}</code></dd>
      </dl>
      <p><a href="/dashboard">Back to the dashboard</a></p>
    </section>`,
  );
}

export function errorPage(status: number, message: string): SafeHtml {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return layout(
    { title },
    html`<section class="card narrow">
      <h1>${title}</h1>
      <p>${message}</p>
      <p><a href="/">Back to ${APP_NAME}</a></p>
    </section>`,
  );
}
