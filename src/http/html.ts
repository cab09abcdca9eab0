// Owns HTML escaping and the security headers of every page the gateway renders itself.

import type { OutgoingHttpHeaders } from 'node:http';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** Headers for gateway pages: nothing cached, nothing framed, nothing loaded from elsewhere. */
export const PAGE_SECURITY_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/**
 * The headers of a page that runs the gateway's own scripts (the passkey pages): its script
 * files under the prefix, and nothing else (no inline script, nothing from elsewhere).
 */
export const SCRIPTED_PAGE_SECURITY_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({
  ...PAGE_SECURITY_HEADERS,
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
});

/** A complete, self-contained HTML page (inline style only, readable on a phone), linking back to the app. */
export function renderPage(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:28rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0001}
h1{font-size:1.35rem;margin:0 0 1rem}p{line-height:1.5}.muted{color:#667;font-size:.85rem}
button,input{font-family:inherit}
@media (max-width:30rem){main{margin:0;padding:1.5rem 1.25rem;border-radius:0;box-shadow:none;min-height:100vh;box-sizing:border-box}}
</style>
</head>
<body><main>${bodyHtml}<p class="muted"><a href="/">Back to the app</a></p></main></body>
</html>
`;
}
