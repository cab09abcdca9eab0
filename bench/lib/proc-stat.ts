// Owns reading /proc: a process's CPU time (utime+stime, every thread), its resident set
// size, and the processes it spawned (nginx's worker, the gateway's helper and workers).

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second, the unit of utime and stime in /proc/PID/stat (usually 100). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** The fields after the command name, which may itself hold spaces and parentheses. */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** CPU time a process has used so far, user plus system, all threads, in microseconds. */
export function cpuMicros(pid: number): number {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3 (state).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS;
}

/** Summed CPU microseconds of several processes (nginx's master and worker). */
export function totalCpuMicros(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += cpuMicros(pid);
  return total;
}

/** Resident set size in bytes (VmRSS), or 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Pages no other process maps (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup), in
 * bytes, or 0 when the process is gone. What a process spawned from the same node binary (the
 * argon2 helper, a worker) adds to its parent's RSS: its Shared_Clean pages (about 34 MB of an
 * idle node's 40) are the binary's and the libraries', mapped by the parent too.
 */
export function privateBytes(pid: number): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    let kB = 0;
    for (const match of rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+)/gm)) kB += Number(match[1]);
    return kB * 1024;
  } catch {
    return 0;
  }
}

/** The pids whose parent is `pid` (scanning /proc, which needs no kernel option). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === pid) children.push(Number(entry));
    } catch {
      // The process exited while we looked.
    }
  }
  return children;
}

/**
 * The process and every descendant of it (a gateway's argon2 helper; the workers of `gateway
 * start --workers N` and theirs), from one scan of /proc.
 */
export function processTree(pid: number): number[] {
  const childrenOf = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(statFields(Number(entry))[1]);
      childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process exited while we looked.
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i] as number) ?? []));
  return tree;
}

/**
 * processTree(pid), scanned again at most every `refreshMs`: a scan reads every process's stat
 * (about 5 ms of CPU on a busy machine), and the RSS sampler asks ten times a second, which in
 * the unpinned workers scenario took CPU from the processes measured. A helper or a replaced
 * worker is counted from the next scan on.
 */
export function cachedProcessTree(pid: number, refreshMs = 1000): () => number[] {
  let tree: number[] = [];
  let scannedAt = Number.NEGATIVE_INFINITY;
  return () => {
    const now = performance.now();
    if (now - scannedAt >= refreshMs) {
      tree = processTree(pid);
      scannedAt = now;
    }
    return tree;
  };
}

/** Summed VmRSS of processes (a process tree), in bytes. */
export function treeRssBytes(members: readonly number[]): number {
  return members.reduce((sum, member) => sum + rssBytes(member), 0);
}

/** Summed CPU microseconds of processes (a process tree; those still running). */
export function treeCpuMicros(members: readonly number[]): number {
  let total = 0;
  for (const member of members) {
    try {
      total += cpuMicros(member);
    } catch {
      // Exited between the scan and the read.
    }
  }
  return total;
}
