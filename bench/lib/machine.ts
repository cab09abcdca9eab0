// Owns the description of the machine a run happened on, written into every result file.

import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  kernel: string;
  /** Whether this is a VM (steal time and noisy neighbours make launches vary). */
  hypervisor: boolean;
}

export function describeMachine(): Machine {
  let hypervisor = false;
  try {
    hypervisor = /\bhypervisor\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    // Not Linux: unknown.
  }
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: release(),
    hypervisor,
  };
}
