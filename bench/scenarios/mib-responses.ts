// Owns the large-response scenario: 1 MiB bodies through each target as fast as wrk can take
// them (8 connections: enough to keep the pipe full without measuring socket buffers).

import { measureWrk } from '../load/measure-wrk.js';
import { FOREIGN_ROW, type LoadScenario } from './types.js';

export const mibResponses: LoadScenario = {
  kind: 'load',
  id: 'mib-responses',
  title: '1 MiB responses (wrk -t1 -c8)',
  targets: ['bare', 'undici', 'nginx', 'caddy', 'gateway'],
  group: 'shared',
  measure: (target, ctx) => measureWrk(target, ctx, '/mib', 8),
  rows: [
    { metric: 'rps', label: 'responses/s', better: 'higher', digits: 0 },
    { metric: 'mibPerSecond', label: 'MiB/s', better: 'higher', digits: 0 },
    { metric: 'cpuUsPerReq', label: 'proxy CPU µs/response', better: 'lower', digits: 0 },
    FOREIGN_ROW,
  ],
};
