// Owns measuring what the bench does not control: CPU time that other processes on the
// machine used during a measurement (another session's tests, a busy loop), and VM steal.
// On a shared 2-core machine that load lands on the pinned core too and distorts every figure,
// so each measurement records it and the report warns when it was not negligible.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** /proc/stat and /proc/self/stat count in USER_HZ ticks, 100 per second on Linux. */
const TICK_US = 10_000;

export interface LoadSnapshot {
  atMs: number;
  /** CPU time of every process on the machine (user, nice, system, irq, softirq), all CPUs. */
  busyUs: number;
  /** Time the hypervisor ran something else while this VM wanted the CPU. */
  stealUs: number;
  /** The bench process and its reaped children (wrk and the other clients, once they exited). */
  ownUs: number;
  /** The bench process alone (its sampling of /proc and its own clients). */
  selfUs: number;
}

export function snapshotLoad(): LoadSnapshot {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  const self = readFileSync('/proc/self/stat', 'utf8');
  const own = self
    .slice(self.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // utime, stime, cutime, cstime are fields 14-17 of stat(5), here from index 11.
  const selfTicks = (own[11] ?? 0) + (own[12] ?? 0);
  const ownTicks = selfTicks + (own[13] ?? 0) + (own[14] ?? 0);
  return {
    atMs: performance.now(),
    busyUs: (user + nice + system + irq + softirq) * TICK_US,
    stealUs: steal * TICK_US,
    ownUs: ownTicks * TICK_US,
    selfUs: selfTicks * TICK_US,
  };
}

/**
 * Cores' worth of CPU used by processes that are not the bench's between two snapshots:
 * everything busy, less the bench and its reaped children, less `ourUs` (the proxy and the
 * upstream, which are still running). About 0 on a quiet machine; 1 means a whole core.
 */
export function foreignCores(before: LoadSnapshot, after: LoadSnapshot, ourUs: number): number {
  const wallUs = (after.atMs - before.atMs) * 1000;
  const foreign = after.busyUs - before.busyUs - (after.ownUs - before.ownUs) - ourUs;
  return Math.max(0, foreign) / wallUs;
}

/** Cores' worth of VM steal between two snapshots. */
export function stealCores(before: LoadSnapshot, after: LoadSnapshot): number {
  return (after.stealUs - before.stealUs) / ((after.atMs - before.atMs) * 1000);
}

/** Foreign load below which the machine counts as quiet enough to measure, in cores. */
const QUIET_CORES = 0.15;
const PROBE_MS = 300;

/**
 * Waits, within what is left of the run's budget, until other processes use less than
 * QUIET_CORES for a short probe; returns the milliseconds waited. Call it while the targets
 * are idle (their own CPU then counts as foreign, and is about zero). It never waits past the
 * budget: a busy loop of another session would otherwise stall the bench.
 */
export async function awaitQuiet(budget: { leftMs: number }): Promise<number> {
  const started = performance.now();
  for (;;) {
    const before = snapshotLoad();
    await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
    if (foreignCores(before, snapshotLoad(), 0) < QUIET_CORES || budget.leftMs <= 0) break;
    budget.leftMs -= PROBE_MS;
  }
  return performance.now() - started;
}
