// Owns what every measurement is handed: the options of the run, where things are, the tools
// found, the machine, and the run's progress log.

import type { Layout } from './layout.js';
import type { Machine } from './machine.js';
import type { BenchOptions } from './options.js';
import type { Tools } from './tools.js';

export interface BenchContext {
  options: BenchOptions;
  layout: Layout;
  tools: Tools;
  machine: Machine;
  /** Progress on stdout. */
  log(line: string): void;
  /** What is left of the time the run may spend waiting for other processes to go quiet. */
  quietBudget: { leftMs: number };
}
