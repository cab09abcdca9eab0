// Owns in-process micro-benchmarks: nanoseconds per operation, each sample lasting about the
// same wall time whatever an operation costs, every case warmed before the first measured
// sample (so the first case does not pay for the JIT), and every answer checked (so none can
// be optimised away). Medians over samples, like the load scenarios' medians over rounds. Time
// is the process's CPU time (user + system), not the wall clock: on a shared machine the wall
// clock also counts the time other processes held the core (at load 20 it tripled figures).

import type { TargetFigures } from '../scenarios/types.js';
import { medians } from './stats.js';

export interface MicroCase {
  readonly metric: string;
  /** One operation on probe i; false when its answer is wrong. */
  op(i: number): boolean;
}

const CALIBRATION_OPS = 4096;

function nsPerOp(micro: MicroCase, iterations: number): number {
  let right = 0;
  const started = process.cpuUsage();
  for (let i = 0; i < iterations; i++) if (micro.op(i)) right++;
  const used = process.cpuUsage(started);
  const ns = ((used.user + used.system) * 1000) / iterations;
  if (right !== iterations) throw new Error(`${micro.metric}: ${iterations - right} operations answered wrongly`);
  return ns;
}

/** Runs every case `samples` times, about `sampleMs` each; `fixed` figures (compile times) join every sample. */
export function measureMicro(
  cases: readonly MicroCase[],
  samples: number,
  sampleMs = 100,
  fixed: Record<string, number> = {},
): TargetFigures {
  const iterationsOf = new Map(
    cases.map((micro) => {
      const ns = nsPerOp(micro, CALIBRATION_OPS);
      return [micro, Math.max(CALIBRATION_OPS, Math.min(2_000_000, Math.round((sampleMs * 1e6) / ns)))];
    }),
  );
  for (const micro of cases) nsPerOp(micro, iterationsOf.get(micro) as number);
  const rounds = Array.from({ length: samples }, () => {
    const metrics: Record<string, number> = { ...fixed };
    for (const micro of cases) metrics[micro.metric] = nsPerOp(micro, iterationsOf.get(micro) as number);
    return metrics;
  });
  return { rounds, median: medians(rounds) };
}
