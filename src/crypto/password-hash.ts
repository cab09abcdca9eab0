// Owns argon2id hashing of low-entropy secrets (security-question answers, S6) under a bound:
// at most HASH_CONCURRENCY hashes run at once (each holds 19 MiB for tens of milliseconds), at
// most HASH_QUEUE_LIMIT wait, and none waits longer than HASH_WAIT_MS; what does not fit fails
// fast with PasswordHashBusyError (a 503), never a crash or a stall.
//
// The hashing itself runs in a helper process at the lowest CPU priority (nice 19), started at
// the first hash. In the gateway's own process, argon2's libuv threads took the CPU from
// proxied requests on an equal footing (p99 x9 during a login storm on one core) and glibc's
// per-thread arenas kept their 19 MiB blocks (RSS +100 MB); at nice 19 the scheduler runs a
// request the moment it arrives, and the helper returns each block to the system.

import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as argon2 from 'argon2';

/** DESIGN.md / OWASP: argon2id, m = 19 MiB, t = 2, p = 1. */
export const ARGON2_OPTIONS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});
/** Hashes or verifications running at once. */
export const HASH_CONCURRENCY = 2;
/** Operations waiting for a turn at most; one more is refused at once. */
export const HASH_QUEUE_LIMIT = 64;
/** How long an operation may wait for a turn before it fails. */
export const HASH_WAIT_MS = 5_000;

/** Too many hashes are waiting: the check did not happen, so it neither passed nor failed. */
export class PasswordHashBusyError extends Error {
  override name = 'PasswordHashBusyError';
  readonly code = 'GW_HASH_BUSY';
}

export interface PasswordHasher {
  /** A PHC string ($argon2id$v=19$m=19456,p=1,t=2$salt$hash) with a fresh random salt. */
  hash(secret: string): Promise<string>;
  /** Whether `secret` matches the PHC string; false for a malformed one. */
  verify(digest: string, secret: string): Promise<boolean>;
  /** Operations running and waiting now (for tests and the benchmark). */
  load(): { running: number; waiting: number };
  /** The helper process's id while it runs (for the benchmark's memory figures). */
  helperPid(): number | undefined;
  /** Stops the helper process; operations in flight fail. */
  close(): void;
}

export interface PasswordHasherOptions {
  concurrency?: number;
  queueLimit?: number;
  waitMs?: number;
}

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

/** Creates a bounded argon2id runner; one per process, shared by every check. */
export function createPasswordHasher({
  concurrency = HASH_CONCURRENCY,
  queueLimit = HASH_QUEUE_LIMIT,
  waitMs = HASH_WAIT_MS,
}: PasswordHasherOptions = {}): PasswordHasher {
  let running = 0;
  const queue: Waiter[] = [];

  function release(): void {
    running--;
    const next = queue.shift();
    if (next) {
      clearTimeout(next.timer);
      next.start();
    }
  }

  function run<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        running++;
        work().finally(release).then(resolve, reject);
      };
      if (running < concurrency) return start();
      if (queue.length >= queueLimit) {
        return reject(new PasswordHashBusyError(`${queue.length} argon2 operations already waiting`));
      }
      const waiter: Waiter = {
        start,
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          reject(new PasswordHashBusyError(`no argon2 turn within ${waitMs} ms`));
        }, waitMs),
      };
      queue.push(waiter);
    });
  }

  const helper = createHashHelper(concurrency);
  return {
    hash: (secret) => run(() => helper.call({ op: 'hash', secret }) as Promise<string>),
    verify: (digest, secret) =>
      // A digest that is not argon2id PHC (a damaged record) is a mismatch, never an exception.
      run(
        async () => digest.startsWith('$argon2id$') && (await helper.call({ op: 'verify', digest, secret })) === true,
      ),
    load: () => ({ running, waiting: queue.length }),
    helperPid: () => helper.pid(),
    close: () => helper.close(),
  };
}

type Job = { op: 'hash'; secret: string } | { op: 'verify'; digest: string; secret: string };
type Reply = { id: number; result: string | boolean } | { id: number; error: string };

/**
 * The helper's program (CommonJS, run with -e, so that it needs no file of its own in either
 * the source or the compiled tree): lowest priority first, so the libuv threads it creates
 * later inherit it; a verify that throws on a malformed digest answers false.
 */
const HELPER_SOURCE = `
const os = require('node:os');
try { os.setPriority(19); } catch {}
const argon2 = require(process.env.GATEWAY_ARGON2_PATH);
const options = JSON.parse(process.env.GATEWAY_ARGON2_OPTIONS);
process.on('message', async (job) => {
  try {
    const result = job.op === 'hash'
      ? await argon2.hash(job.secret, options)
      : await argon2.verify(job.digest, job.secret).catch(() => false);
    process.send({ id: job.id, result });
  } catch (error) {
    process.send({ id: job.id, error: String(error && error.message) });
  }
});
process.on('disconnect', () => process.exit(0));
`;

interface HashHelper {
  call(job: Job): Promise<string | boolean>;
  pid(): number | undefined;
  close(): void;
}

/** The helper process, started at the first call and again after it dies; calls in flight then fail. */
function createHashHelper(threads: number): HashHelper {
  let child: ChildProcess | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve(value: string | boolean): void; reject(error: Error): void }>();

  const failAll = (error: Error) => {
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };

  const start = (): ChildProcess => {
    const started = spawn(process.execPath, ['-e', HELPER_SOURCE], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Nothing of the gateway's environment (its keys may be there): only what the helper reads.
      env: {
        GATEWAY_ARGON2_PATH: createRequire(import.meta.url).resolve('argon2'),
        GATEWAY_ARGON2_OPTIONS: JSON.stringify(ARGON2_OPTIONS),
        UV_THREADPOOL_SIZE: String(threads),
        // Blocks of 19 MiB are mapped and unmapped each time, not kept in an arena.
        MALLOC_MMAP_THRESHOLD_: String(1024 * 1024),
      },
    });
    started.on('message', (reply: Reply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (pending.size === 0) idle(started);
      if ('error' in reply) waiter.reject(new Error(`argon2: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    started.on('exit', (code, signal) => {
      if (child === started) child = undefined;
      failAll(new Error(`the argon2 helper exited (${signal ?? code})`));
    });
    started.on('error', (error) => failAll(error));
    idle(started);
    return started;
  };
  // Idle, the helper must not keep the gateway (or a test) alive; busy, it must, or an awaited
  // hash would be abandoned by a process with nothing else to do.
  const idle = (helper: ChildProcess) => {
    helper.unref();
    helper.channel?.unref();
  };
  const busy = (helper: ChildProcess) => {
    helper.ref();
    helper.channel?.ref();
  };

  return {
    call(job) {
      child ??= start();
      if (pending.size === 0) busy(child);
      const id = nextId++;
      const promise = new Promise<string | boolean>((resolve, reject) => pending.set(id, { resolve, reject }));
      child.send({ id, ...job });
      return promise;
    },
    pid: () => child?.pid,
    close() {
      const running = child;
      child = undefined;
      running?.kill();
      failAll(new Error('the argon2 helper was stopped'));
    },
  };
}
