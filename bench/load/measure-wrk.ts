// Owns one closed-loop measurement of a target: warm it up with wrk (warm-up.ts), then run wrk again
// while reading the CPU time of the proxy and of the upstream before and after.

import { awaitQuiet, foreignCores, snapshotLoad, stealCores } from '../lib/machine-load.js';
import type { BenchContext, Metrics } from '../scenarios/types.js';
import type { RunningTarget } from '../servers/targets.js';
import { warmUp } from './warm-up.js';
import { runWrk } from './wrk.js';

/** The headers of a request that carries the target's full session, when it has one. */
export function sessionHeaders(target: RunningTarget): string[] {
  return target.sessionHeader ? [target.sessionHeader] : [];
}

/**
 * Runs wrk on `path` of the target (with its session when `withSession`); refuses a run with
 * failed requests, whose figures would flatter.
 */
export async function measureWrk(
  target: RunningTarget,
  ctx: BenchContext,
  path: string,
  connections: number,
  withSession = false,
): Promise<Metrics> {
  const { options, layout, tools } = ctx;
  const headers = withSession ? sessionHeaders(target) : [];
  const run = { wrk: tools.wrk, cpus: layout.loadGenerator, url: `${target.url}${path}`, connections, headers };
  const waitedMs = await awaitQuiet(ctx.quietBudget);
  await warmUp(run, target, options.warmupSeconds);
  const proxyBefore = target.proxyCpu();
  const upstreamBefore = target.upstreamCpu();
  const loadBefore = snapshotLoad();
  const result = await runWrk({ ...run, seconds: options.loadSeconds });
  const loadAfter = snapshotLoad();
  const proxyUs = target.proxyCpu() - proxyBefore;
  const upstreamUs = target.upstreamCpu() - upstreamBefore;
  if (result.errors > result.requests * 0.001) {
    throw new Error(`${target.id} ${path}: ${result.errors} failed requests of ${result.requests}`);
  }
  return {
    rps: result.requestsPerSecond,
    mibPerSecond: result.bytesPerSecond / 1024 ** 2,
    cpuUsPerReq: proxyUs / result.requests,
    upstreamCpuUsPerReq: upstreamUs / result.requests,
    /** wrk's CPU (a reaped child of the bench), per request. */
    loadGenCpuUsPerReq: (loadAfter.ownUs - loadAfter.selfUs - (loadBefore.ownUs - loadBefore.selfUs)) / result.requests,
    /** The bench process's own CPU (sampling /proc for RSS and CPU), per request. */
    benchCpuUsPerReq: (loadAfter.selfUs - loadBefore.selfUs) / result.requests,
    /** Share of one core the proxy used: the rest went to the load generator and the upstream. */
    proxyCoreShare: proxyUs / 1e6 / result.seconds,
    p50Ms: result.latencyUs.p50 / 1000,
    p99Ms: result.latencyUs.p99 / 1000,
    errors: result.errors,
    foreignCores: foreignCores(loadBefore, loadAfter, target.id === 'bare' ? proxyUs : proxyUs + upstreamUs),
    quietWaitMs: waitedMs,
    stealCores: stealCores(loadBefore, loadAfter),
  };
}
