// Owns the CPU pinning layouts. Every target (bare, gateway, nginx) runs in the same layout,
// so that their figures compare. The reference layout of issue 6 puts the load generator,
// the upstream and the proxy on one core: it measures efficiency per core and was the least
// noisy. The bench's own process sits on the other core, where its sampling disturbs nothing.

import { availableParallelism } from 'node:os';

export type LayoutName = 'one-core' | 'split';

export interface Layout {
  name: LayoutName;
  /** taskset CPU lists; undefined leaves a process unpinned (a one-CPU machine). */
  loadGenerator: string | undefined;
  upstream: string | undefined;
  proxy: string | undefined;
  /** Where the bench process itself runs (sampling, in-process micro-benchmarks). */
  harness: string | undefined;
  describe: string;
}

/** The layout by name, adapted to the machine's CPU count. */
export function layoutFor(name: LayoutName): Layout {
  const cpus = availableParallelism();
  if (cpus < 2) {
    return {
      name,
      loadGenerator: '0',
      upstream: '0',
      proxy: '0',
      harness: '0',
      describe: 'one CPU: everything on CPU 0, bench process included',
    };
  }
  if (name === 'split') {
    return {
      name,
      loadGenerator: '1',
      upstream: '0',
      proxy: '0',
      harness: '1',
      describe: 'taskset -c 1: load generator and bench process; taskset -c 0: upstream and proxy',
    };
  }
  return {
    name,
    loadGenerator: '0',
    upstream: '0',
    proxy: '0',
    harness: '1',
    describe:
      'taskset -c 0: load generator (wrk, bulk client), upstream and proxy; taskset -c 1: bench process (sampling, micro-benchmarks)',
  };
}
