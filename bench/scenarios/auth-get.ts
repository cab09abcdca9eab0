// Owns the authenticated GET scenario: the 2 KB page with a full gateway session (signed
// cookie, session record, cookie vault injected upstream, policy, staff allowlist, identity
// headers), against the same gateway with every layer off (passthrough: the same request,
// cookie header included, forwarded as is), for each store; the references forward the same
// request, cookie included.

import { measureWrk } from '../load/measure-wrk.js';
import { FOREIGN_ROW, type LoadScenario } from './types.js';

export const authGet: LoadScenario = {
  kind: 'load',
  id: 'auth-get',
  title: 'authenticated GET of the 2 KB page, full session (wrk -t1 -c32)',
  targets: ['undici', 'nginx', 'passthrough', 'gateway', 'gateway-lmdb', 'gateway-redis'],
  group: 'shared',
  measure: (target, ctx) => measureWrk(target, ctx, '/page', 32, true),
  rows: [
    { metric: 'rps', label: 'requests/s', better: 'higher', digits: 0 },
    { metric: 'cpuUsPerReq', label: 'proxy CPU µs/req (Redis included)', better: 'lower', digits: 1 },
    { metric: 'p99Ms', label: 'p99 at saturation (ms)', better: 'lower', digits: 2 },
    FOREIGN_ROW,
  ],
};
