// Owns the every-core scenarios (issue 17): the authenticated GET through the gateway with the
// LMDB store in one process and with `--workers 2`, nothing pinned, against the same upstream,
// with where the machine's CPU went: the load generator, the upstream, the bench's own sampling
// and the gateway (its primary and workers). On 2 cores all of them share the cores, so a second
// worker gains at most what the others leave: `workers` runs against nginx serving the page
// from a file (a static site, a cheap upstream), `workers-node-upstream` against the Node
// upstream of the other scenarios, which costs a third of what the gateway does per request.

import { measureWrk } from '../load/measure-wrk.js';
import type { UpstreamKind } from '../servers/start-upstream.js';
import { FOREIGN_ROW, type LoadScenario } from './types.js';

function workersScenario(id: string, upstream: UpstreamKind, upstreamName: string): LoadScenario {
  return {
    kind: 'load',
    id,
    title: `authenticated GET, LMDB store, 1 vs 2 gateway workers, unpinned, ${upstreamName} (wrk -t1 -c32)`,
    targets: ['workers-1', 'workers-2'],
    group: id,
    unpinned: true,
    upstream,
    measure: (target, ctx) => measureWrk(target, ctx, '/page', 32, true),
    rows: [
      { metric: 'rps', label: 'requests/s', better: 'higher', digits: 0 },
      { metric: 'proxyCoreShare', label: 'gateway cores busy', better: 'lower', digits: 2 },
      { metric: 'cpuUsPerReq', label: 'gateway CPU µs/req', better: 'lower', digits: 1 },
      { metric: 'upstreamCpuUsPerReq', label: 'upstream CPU µs/req', better: 'lower', digits: 1 },
      { metric: 'loadGenCpuUsPerReq', label: 'load generator (wrk) CPU µs/req', better: 'lower', digits: 1 },
      { metric: 'benchCpuUsPerReq', label: 'bench sampling CPU µs/req', better: 'lower', digits: 1 },
      { metric: 'p99Ms', label: 'p99 at saturation (ms)', better: 'lower', digits: 2 },
      FOREIGN_ROW,
    ],
  };
}

export const workers = workersScenario('workers', 'nginx-static', 'upstream nginx serving the page from a file');
export const workersNodeUpstream = workersScenario(
  'workers-node-upstream',
  'node',
  'upstream the Node server of the other scenarios',
);
