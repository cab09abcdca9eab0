// Owns the every-core scenario (issue 17): the authenticated GET through the gateway with the
// LMDB store in one process and with `--workers 2`, nothing pinned, against the same upstream,
// with where the machine's CPU went: the load generator, the upstream and the gateway (its
// primary and workers). On 2 cores all three share them, so the split says what a second worker
// can gain at most.

import { measureWrk } from '../load/measure-wrk.js';
import { FOREIGN_ROW, type LoadScenario } from './types.js';

export const workers: LoadScenario = {
  kind: 'load',
  id: 'workers',
  title: 'authenticated GET, LMDB store, 1 vs 2 gateway workers, unpinned (wrk -t1 -c32)',
  targets: ['workers-1', 'workers-2'],
  group: 'workers',
  unpinned: true,
  measure: (target, ctx) => measureWrk(target, ctx, '/page', 32, true),
  rows: [
    { metric: 'rps', label: 'requests/s', better: 'higher', digits: 0 },
    { metric: 'proxyCoreShare', label: 'gateway cores busy', better: 'lower', digits: 2 },
    { metric: 'cpuUsPerReq', label: 'gateway CPU µs/req', better: 'lower', digits: 1 },
    { metric: 'upstreamCpuUsPerReq', label: 'upstream CPU µs/req', better: 'lower', digits: 1 },
    { metric: 'loadGenCpuUsPerReq', label: 'load generator CPU µs/req', better: 'lower', digits: 1 },
    { metric: 'p99Ms', label: 'p99 at saturation (ms)', better: 'lower', digits: 2 },
    FOREIGN_ROW,
  ],
};
