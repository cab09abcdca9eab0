// The access line is written without pino's redaction pass (issue 17: a line in <= 3 µs), which
// is safe only while two things hold, each tested here: none of its keys is one pino would
// redact, and the line is exactly the one pino writes for the same fields (same order, same
// escaping, undefined fields left out), so that a path or a reason with quotes, newlines or
// control characters cannot forge a field, and a log collector sees no difference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCESS_FIELDS, logAccess } from '../../src/http/access-log.js';
import type { RequestScope } from '../../src/http/scope.js';
import { createLogger, loggablePath, REDACT_PATHS } from '../../src/ops/logger.js';
import { memoryLog } from '../helpers/gateway.js';

interface Case {
  url: string;
  status: number;
  aborted?: boolean;
  upstreamMs?: number;
  errorCode?: string;
  errorReason?: string;
}

const CASES: Case[] = [
  { url: '/invoices/42', status: 200, upstreamMs: 0.8449 },
  { url: '/search?q=paid&token=abc123&password=hunter2&page=2', status: 302, upstreamMs: 12 },
  { url: '/a%22b/%0d%0a"},"forged":"x?x="\u0001\u2028', status: 404 },
  {
    url: '/slow',
    status: 504,
    errorCode: 'GW_UPSTREAM_TIMEOUT',
    errorReason: 'no answer in 60 s: "quoted"\nsecond line \\ backslash',
  },
  { url: '/upload', status: 200, aborted: true },
  // Quotes and backslashes among printable characters only, then every ASCII character but "?":
  // each one escaped exactly as pino escapes it.
  { url: '/say"hi"\\or\\"},"forged":"x', status: 404, errorReason: 'a "quoted" \\ reason' },
  {
    url: `/${Array.from({ length: 128 }, (_, code) => String.fromCharCode(code))
      .join('')
      .replace('?', '')}`,
    status: 400,
  },
];

/** The scope of a finished request; the target is taken as given (raw quotes and control characters included). */
function scopeFor(c: Case): RequestScope {
  const at = c.url.indexOf('?');
  const target = {
    path: at === -1 ? c.url : c.url.slice(0, at),
    search: at === -1 ? '' : c.url.slice(at),
    routingPath: '/',
  };
  return {
    id: '0f5c2a64-8a1b-4a47-9d55-6f0f2b7c9e11',
    startedAt: performance.now(),
    runtime: { config: { listen: { gateway_prefix: '/_gateway' } } },
    client: { address: '203.0.113.7' },
    proto: 'http',
    host: 'app.example',
    target,
    upstreamMs: c.upstreamMs,
    errorCode: c.errorCode,
    errorReason: c.errorReason,
  } as unknown as RequestScope;
}

/** The lines of a log with the time of each replaced, since the two ways are written a moment apart. */
const timeless = (text: string) =>
  text
    .replace(/"time":"[^"]*"/g, '"time":"T"')
    .split('\n')
    .filter(Boolean);

test('no key of the access line is one pino redacts, and every value is flat', () => {
  const redactedTopLevel = REDACT_PATHS.map((path) => path.split(/[.[]/, 1)[0]);
  for (const field of ACCESS_FIELDS) assert.ok(!redactedTopLevel.includes(field), field);
  // "*.password" and the like reach nested objects only; the line has none.
  const log = memoryLog();
  const logger = createLogger({ level: 'info', destination: log.stream });
  for (const c of CASES) logAccess(logger, scopeFor(c), 'GET', c.status, c.aborted ?? false);
  for (const line of timeless(log.text())) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    for (const value of Object.values(parsed)) assert.notEqual(typeof value, 'object');
    for (const key of Object.keys(parsed)) {
      assert.ok(['level', 'time', 'service', 'worker', ...ACCESS_FIELDS].includes(key), key);
    }
  }
});

test('the line is the one pino writes for the same fields, bindings, escaping and level included', () => {
  for (const level of ['info', 'warn']) {
    const fast = memoryLog();
    const slow = memoryLog();
    const fastLogger = createLogger({ level, destination: fast.stream }).child({ worker: 2 });
    const slowLogger = createLogger({ level, destination: slow.stream }).child({ worker: 2 });
    for (const c of CASES) {
      const scope = scopeFor(c);
      logAccess(fastLogger, scope, 'GET', c.status, c.aborted ?? false);
      const line = {
        event: 'request',
        request_id: scope.id,
        method: 'GET',
        path: loggablePath(scope.target.path, scope.target.search),
        status: c.status,
        // The duration is measured at the call; take the fast line's own.
        duration_ms: JSON.parse(timeless(fast.text()).at(-1) ?? '{}').duration_ms,
        upstream_ms: c.upstreamMs === undefined ? undefined : Math.round(c.upstreamMs * 100) / 100,
        client: scope.client.address,
        error_code: c.errorCode,
        error_reason: c.errorReason,
        aborted: c.aborted || undefined,
      };
      if (c.status >= 500) slowLogger.warn(line);
      else slowLogger.info(line);
    }
    assert.deepEqual(timeless(fast.text()), timeless(slow.text()));
    // At warn, only the 5xx line is written.
    assert.equal(timeless(fast.text()).length, level === 'info' ? CASES.length : 1);
  }
});

test('the time is ISO 8601 in milliseconds, as pino writes it, and current', () => {
  const log = memoryLog();
  const before = Date.now();
  logAccess(createLogger({ level: 'info', destination: log.stream }), scopeFor(CASES[0] as Case), 'GET', 200, false);
  const time = (JSON.parse(log.text()) as { time: string }).time;
  assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Date.parse(time) >= before && Date.parse(time) <= Date.now());
});
