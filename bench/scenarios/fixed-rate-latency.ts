// Owns the latency scenario: the 2 KB page at a fixed, moderate rate (about 1,000 requests/s,
// issue 6), and what each proxy adds to the bare upstream's p50 and p99 in the same round. The
// gateway carries a full session (its costliest everyday path); passthrough is its reference.
//
// The load is wrk in paced mode: 20 connections, each with a random think time of 20 ms on
// average (load/wrk-report.lua). Why wrk rather than an open-loop Node client: on the shared
// core the client's own cost lands on the measured figures. An undici client holding 1,000
// requests/s used about 190 µs of CPU per request there and its millisecond timers added
// about 0.75 ms to every p50; wrk uses about 60 µs and measures in microseconds. wrk2 (open
// loop) is not in Debian and autocannon is not installed. The price is a closed loop: a stalled
// answer delays its connection's next request (coordinated omission), so the achieved rate is
// reported beside the percentiles; at sub-millisecond latencies and a 20 ms think time it stays
// within a few percent of the target.

import { awaitQuiet, foreignCores, snapshotLoad } from '../lib/machine-load.js';
import { sessionHeaders } from '../load/measure-wrk.js';
import { runWrk, type WrkRun } from '../load/wrk.js';
import type { RunningTarget } from '../servers/targets.js';
import { type BenchContext, FOREIGN_ROW, type LoadScenario, type Metrics } from './types.js';

const CONNECTIONS = 20;

/** wrk paced at the fixed rate on the 2 KB page, with the target's session when it has one. */
export function fixedRateRun(target: RunningTarget, ctx: BenchContext): Omit<WrkRun, 'seconds'> {
  const { options, layout, tools } = ctx;
  return {
    wrk: tools.wrk,
    cpus: layout.loadGenerator,
    url: `${target.url}/page`,
    connections: CONNECTIONS,
    thinkMs: (CONNECTIONS * 1000) / options.latencyRate,
    headers: sessionHeaders(target),
  };
}

/** Warms the target up, then measures it at the fixed rate, with its session when it has one. */
export async function measureAtFixedRate(target: RunningTarget, ctx: BenchContext): Promise<Metrics> {
  const { options } = ctx;
  const run = fixedRateRun(target, ctx);
  const waitedMs = await awaitQuiet(ctx.quietBudget);
  await runWrk({ ...run, seconds: options.warmupSeconds });
  const proxyBefore = target.proxyCpu();
  const upstreamBefore = target.upstreamCpu();
  const loadBefore = snapshotLoad();
  const result = await runWrk({ ...run, seconds: options.latencySeconds });
  const loadAfter = snapshotLoad();
  const proxyUs = target.proxyCpu() - proxyBefore;
  const upstreamUs = target.upstreamCpu() - upstreamBefore;
  if (result.errors > 0) throw new Error(`${target.id}: ${result.errors} failed requests at a fixed rate`);
  return {
    achievedRate: result.requestsPerSecond,
    p50Ms: result.latencyUs.p50 / 1000,
    p90Ms: result.latencyUs.p90 / 1000,
    p99Ms: result.latencyUs.p99 / 1000,
    p999Ms: result.latencyUs.p999 / 1000,
    maxMs: result.latencyUs.max / 1000,
    cpuUsPerReq: proxyUs / result.requests,
    foreignCores: foreignCores(loadBefore, loadAfter, target.id === 'bare' ? proxyUs : proxyUs + upstreamUs),
    quietWaitMs: waitedMs,
  };
}

export const fixedRateLatency: LoadScenario = {
  kind: 'load',
  id: 'fixed-rate-latency',
  title: 'latency at about 1,000 requests/s (wrk, 20 connections with think time, 2 KB page; gateway: full session)',
  targets: ['bare', 'undici', 'nginx', 'caddy', 'passthrough', 'gateway'],
  group: 'shared',
  measure: measureAtFixedRate,
  /** Added latency is compared within a round: the bare upstream of the same round is the floor. */
  derive(round) {
    const bare = round.bare;
    if (!bare) return;
    for (const metrics of Object.values(round)) {
      if (!metrics) continue;
      metrics.p50AddedMs = (metrics.p50Ms as number) - (bare.p50Ms as number);
      metrics.p99AddedMs = (metrics.p99Ms as number) - (bare.p99Ms as number);
    }
  },
  rows: [
    { metric: 'achievedRate', label: 'achieved requests/s', better: 'higher', digits: 0 },
    { metric: 'p50Ms', label: 'p50 (ms)', better: 'lower', digits: 3 },
    { metric: 'p99Ms', label: 'p99 (ms)', better: 'lower', digits: 3 },
    { metric: 'p999Ms', label: 'p99.9 (ms)', better: 'lower', digits: 3 },
    { metric: 'p50AddedMs', label: 'p50 added over bare (ms)', better: 'lower', digits: 3 },
    { metric: 'p99AddedMs', label: 'p99 added over bare (ms)', better: 'lower', digits: 3 },
    { metric: 'cpuUsPerReq', label: 'proxy CPU µs/req at this rate', better: 'lower', digits: 1 },
    FOREIGN_ROW,
  ],
};
