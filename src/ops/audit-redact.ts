// Owns redacting an audit event's facts for storage: what the recent-audit trail and the audit
// outbox keep in the store is what the log writes, by the same pino redaction (never a secret,
// password, code, answer or cookie value), applied before anything is stored.

import pino from 'pino';
import { REDACT_PATHS } from './logger.js';

/** The facts as the log writes them: pino with the log's redaction, captured instead of written. */
export function createAuditRedactor(): (facts: Readonly<Record<string, unknown>>) => Record<string, unknown> {
  let captured = '';
  const redactor = pino(
    { base: null, timestamp: false, redact: { paths: REDACT_PATHS, censor: '[Redacted]' } },
    {
      write(line: string) {
        captured = line;
      },
    },
  );
  return (facts) => {
    redactor.info(facts);
    const { level: _level, ...rest } = JSON.parse(captured) as Record<string, unknown>;
    return rest;
  };
}
