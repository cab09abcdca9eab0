// Owns the bench's child processes: spawns them pinned with taskset, stops each in order,
// and makes sure none outlives the bench (killed on exit, on SIGINT/SIGTERM and on failure),
// nor any of the temporary folders they ran in.

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM to its process group, SIGKILL after the grace period; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();
const tempDirs = new Set<string>();

/** Removes `dir` at exit unless forgetTempDir() was called first (the normal stop removes it itself). */
export function removeAtExit(dir: string): void {
  tempDirs.add(dir);
}

export function forgetTempDir(dir: string): void {
  tempDirs.delete(dir);
}

/** Signals a whole process group; a group that is already gone is not an error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: every member has exited.
  }
}

/**
 * Spawns `command args` pinned to `cpus` (a taskset list such as "0"), or unpinned when
 * cpus is undefined. taskset execs the command, so the pid is the measured process's own.
 */
export function spawnChild(
  name: string,
  cpus: string | undefined,
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Child {
  const [file, argv] = cpus === undefined ? [command, [...args]] : ['taskset', ['-c', cpus, command, ...args]];
  // Its own process group: stopping it reaches what it spawned (nginx's worker), and a Ctrl-C on
  // the terminal reaches only the bench, which then stops every child in order.
  const proc = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${file}`);
  const pid = proc.pid;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.once('error', () => resolve(-1));
  });
  const child: Child = {
    name,
    pid,
    process: proc,
    exited,
    async stop(graceMs = 15_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      // Anything the leader left behind in its group goes too.
      signalGroup(pid, 'SIGKILL');
      live.delete(child);
    },
  };
  live.add(child);
  // When the leader exits on its own (a crash, or a client that finished), whatever it left in
  // its group goes with it, so that no orphan outlives the bench.
  void exited.then(() => {
    signalGroup(pid, 'SIGKILL');
    live.delete(child);
  });
  return child;
}

/** Collects a child's standard output as text and waits for it to exit. */
export async function runToEnd(child: Child): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.process.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.process.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const code = await child.exited;
  if (child.process.stdout && !child.process.stdout.readableEnded) await once(child.process.stdout, 'end');
  live.delete(child);
  return { code, stdout, stderr };
}

/** Stops every child still running, in parallel. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop(5_000)));
}

/** Last resort at process exit: SIGKILL to every group still known (synchronous). */
function killAllNow(): void {
  for (const child of live) signalGroup(child.pid, 'SIGKILL');
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/** Installs the handlers that leave no process behind: on exit, SIGINT, SIGTERM and failure. */
export function installCleanup(): void {
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stdout.write(`\nbench: ${signal}, stopping every child process\n`);
      stopAll().finally(() => process.exit(130));
    });
  }
}
