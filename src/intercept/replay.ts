// Owns releasing a withheld login answer once the second step is passed: the app's own
// redirect or page, as the app sent it, with the gateway's new session cookie; or, when the
// answer was too large to keep, a redirect to the configured landing path.

import type { ServerResponse } from 'node:http';
import { sendRedirect } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import type { WithheldAnswer } from '../session/records.js';

export function replayWithheld(
  scope: RequestScope,
  res: ServerResponse,
  withheld: WithheldAnswer,
  setCookies: string[],
  landingPath: string,
): void {
  if (withheld.body === null) {
    sendRedirect(scope, res, landingPath, setCookies);
    return;
  }
  const body = Buffer.from(withheld.body, 'base64');
  for (const [name, value] of withheld.headers) res.appendHeader(name, value);
  res.setHeader('set-cookie', setCookies);
  res.setHeader('content-length', body.length);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-request-id', scope.id);
  res.writeHead(withheld.status);
  res.end(body);
}
