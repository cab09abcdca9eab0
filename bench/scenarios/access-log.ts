// Owns the access-log micro-benchmark (issue 17: one line <= 3 µs): microseconds to write the
// access line of a finished request through the gateway's own logger (src/ops/logger.ts) and
// http/access-log.ts, with every field a proxied request has (a query to censor included), into
// the shipped batched destination pointed at /dev/null, and synchronous: an asynchronous one
// would never get to write within the measuring loop.
// In-process, on the bench's own core.

import { logAccess } from '../../src/http/access-log.js';
import type { RequestScope } from '../../src/http/scope.js';
import { parseRequestTarget } from '../../src/net/request-target.js';
import { batchedDestination, createLogger } from '../../src/ops/logger.js';
import { type MicroCase, measureMicro } from '../lib/micro.js';
import type { Row, StandaloneScenario } from './types.js';

const ROWS: readonly Row[] = [
  { metric: 'lineNs', label: 'access line, proxied request (ns)', better: 'lower', digits: 0 },
  { metric: 'lineWithQueryNs', label: 'access line, query to censor (ns)', better: 'lower', digits: 0 },
];

/** A finished proxied request's scope, as the pipeline leaves it. */
function scopeFor(url: string): RequestScope {
  const parsed = parseRequestTarget(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    id: '0f5c2a64-8a1b-4a47-9d55-6f0f2b7c9e11',
    startedAt: performance.now(),
    runtime: { config: { listen: { gateway_prefix: '/_gateway' } } },
    client: { address: '203.0.113.7' },
    proto: 'http',
    host: 'app.example',
    target: parsed.target,
    upstreamMs: 0.84,
  } as unknown as RequestScope;
}

export const accessLog: StandaloneScenario = {
  kind: 'standalone',
  id: 'access-log',
  title: 'access-log line (in-process, batched destination to /dev/null)',
  async run(ctx) {
    const destination = batchedDestination({ dest: '/dev/null', sync: true });
    const logger = createLogger({ level: 'info', destination });
    const plain = scopeFor('/invoices/42');
    const withQuery = scopeFor('/search?q=paid&token=abc123&page=2');
    const logged = (scope: RequestScope) => {
      logAccess(logger, scope, 'GET', 200, false);
      return true;
    };
    const cases: MicroCase[] = [
      { metric: 'lineNs', op: () => logged(plain) },
      { metric: 'lineWithQueryNs', op: () => logged(withQuery) },
    ];
    const figures = measureMicro(cases, ctx.options.mode === 'quick' ? 5 : 9);
    destination.close();
    return { id: this.id, title: this.title, rows: ROWS, targets: { 'in-process': figures } };
  },
};
