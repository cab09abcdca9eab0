// Owns the anonymous GET scenario: the 2 KB page through each target as fast as wrk can
// send it (32 keep-alive connections); requests/s and the proxy's CPU microseconds per request.
// Passthrough against the bare undici proxy is the gateway's own overhead (issue 17).

import { measureWrk } from '../load/measure-wrk.js';
import { FOREIGN_ROW, type LoadScenario } from './types.js';

export const getPage: LoadScenario = {
  kind: 'load',
  id: 'get-page',
  title: 'anonymous GET of the 2 KB page (wrk -t1 -c32)',
  targets: ['bare', 'undici', 'nginx', 'caddy', 'passthrough', 'gateway'],
  group: 'shared',
  measure: (target, ctx) => measureWrk(target, ctx, '/page', 32),
  rows: [
    { metric: 'rps', label: 'requests/s', better: 'higher', digits: 0 },
    { metric: 'cpuUsPerReq', label: 'proxy CPU µs/req', better: 'lower', digits: 1 },
    { metric: 'upstreamCpuUsPerReq', label: 'upstream CPU µs/req', better: 'lower', digits: 1 },
    { metric: 'p99Ms', label: 'p99 at saturation (ms)', better: 'lower', digits: 2 },
    FOREIGN_ROW,
  ],
};
