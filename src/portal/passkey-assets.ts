// Owns the two scripts the passkey pages load from the gateway itself (no CDN, and the pages'
// Content-Security-Policy allows nothing else): @simplewebauthn/browser's bundle as its package
// ships it, and a small page script that runs the ceremony a form asks for and posts its answer
// with the form (so the answer travels with the form's CSRF token, S10).

import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PAGE_SECURITY_HEADERS } from '../http/html.js';
import type { RequestScope } from '../http/scope.js';

/**
 * The page script. A form marked data-passkey="register" or "authenticate" holds the options
 * (JSON, made with the page's challenge) in the element its data-options names; its button
 * starts the ceremony, and the answer goes into the form's passkey_response field before the
 * form is submitted. A registration form that also names data-confirm (adding a passkey beside a
 * factor already held, S12) first signs in with one of the person's passkeys to those options,
 * into confirm_response, unless a code was typed in its code field instead. Without WebAuthn, or
 * when the person cancels, it says so and posts nothing.
 */
const PAGE_SCRIPT = `'use strict';
(() => {
  const lib = globalThis.SimpleWebAuthnBrowser;
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const button = form.querySelector('[data-passkey-start]');
    const status = form.querySelector('[data-passkey-status]');
    const say = (text) => { if (status) status.textContent = text; };
    if (!lib || !lib.browserSupportsWebAuthn()) {
      button.disabled = true;
      say('This browser cannot use passkeys.');
      continue;
    }
    button.disabled = false;
    button.addEventListener('click', async () => {
      if (!form.reportValidity()) return;
      const optionsJSON = JSON.parse(document.getElementById(form.dataset.options).textContent);
      button.disabled = true;
      say('Waiting for your passkey…');
      try {
        const code = form.elements.code;
        if (form.dataset.confirm && !(code && code.value.trim())) {
          say('First confirm it is you with one of your passkeys…');
          const confirmJSON = JSON.parse(document.getElementById(form.dataset.confirm).textContent);
          const confirmed = await lib.startAuthentication({ optionsJSON: confirmJSON });
          form.elements.confirm_response.value = JSON.stringify(confirmed);
          say('Now the new passkey…');
        }
        const answer = form.dataset.passkey === 'register'
          ? await lib.startRegistration({ optionsJSON })
          : await lib.startAuthentication({ optionsJSON });
        form.elements.passkey_response.value = JSON.stringify(answer);
        form.submit();
      } catch (error) {
        button.disabled = false;
        say(error && error.name === 'NotAllowedError'
          ? 'The passkey was not used (cancelled or timed out). Try again.'
          : 'The passkey did not work here. Try again, or use another way.');
      }
    });
  }
})();
`;

function bundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  // <package>/script/index.js -> <package>/dist/bundle/index.umd.min.js
  return readFileSync(join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

let scripts: ReadonlyMap<string, string> | undefined;

/** Answers one of the scripts (read once, on first use); false when `route` is none of them. */
export function servePasskeyScript(scope: RequestScope, res: ServerResponse, route: string, head: boolean): boolean {
  scripts ??= new Map([
    ['/assets/webauthn.js', bundle()],
    ['/assets/passkey.js', PAGE_SCRIPT],
  ]);
  const body = scripts.get(route);
  if (body === undefined) return false;
  res.writeHead(200, {
    ...PAGE_SECURITY_HEADERS,
    'content-type': 'text/javascript; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': scope.id,
  });
  res.end(head ? undefined : body);
  return true;
}
