// Owns the verdict on the upstream's answer to a login: failure or success. It fails
// closed (S2): only an answer that clearly matches a configured failure signal is a
// failure; anything else is treated as a success, so its session is withheld.

export interface FailureSignals {
  /** Statuses that mean "wrong password" (e.g. 401, 403, 422). */
  statuses: readonly number[];
  /** A redirect to one of these routing paths means failure (back to the login page). */
  redirectPaths: readonly string[];
  /** Text whose presence in the body means failure (a 200 page that re-renders the form). */
  bodyContains?: string;
}

export interface LoginAnswer {
  status: number;
  /** The Location header's routing path when it points at the same site, else undefined. */
  locationPath?: string;
  /** The body, as far as it was kept (it may be cut at the pending-login bound). */
  body: Buffer;
}

export type LoginVerdict = { outcome: 'failure'; signal: string } | { outcome: 'success' };

/** Classifies a login answer; a server error is not clearly a failure, so it too withholds the session. */
export function classifyLoginAnswer(answer: LoginAnswer, signals: FailureSignals): LoginVerdict {
  if (signals.statuses.includes(answer.status)) return { outcome: 'failure', signal: `status ${answer.status}` };
  const redirect = answer.status >= 300 && answer.status < 400;
  if (redirect && answer.locationPath !== undefined && signals.redirectPaths.includes(answer.locationPath)) {
    return { outcome: 'failure', signal: `redirect to ${answer.locationPath}` };
  }
  if (signals.bodyContains && answer.body.includes(signals.bodyContains)) {
    return { outcome: 'failure', signal: 'failure text in the body' };
  }
  return { outcome: 'success' };
}
