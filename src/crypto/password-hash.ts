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
import { availableParallelism } from 'node:os';
import * as argon2 from 'argon2';

/** OWASP's argon2id parameters: m = 19 MiB, t = 2, p = 1. */
export const ARGON2_OPTIONS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});
/**
 * Hashes or verifications running at once: two at most, and never every core the
 * gateway may use. Hashes sharing one core finish no sooner than one after the other, and each
 * holds 19 MiB, so on one or two cores one runs at a time and a core is left for the proxy.
 */
export const HASH_CONCURRENCY = Math.min(2, Math.max(1, availableParallelism() - 1));
/** Operations waiting for a turn at most; one more is refused at once. */
export const HASH_QUEUE_LIMIT = 64;
/** How long an operation may wait for a turn before it fails. */
export const HASH_WAIT_MS = 5_000;
/**
 * How long a running operation may take before the helper is deemed stuck (stopped, swapped
 * out): it is killed, whatever ran in it fails as busy, and the next operation starts a new
 * one. About a hundred times what one takes, so that a merely slow machine never trips it.
 */
export const HASH_RUN_MS = 10_000;

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
  /** Operations running and waiting now (for tests). */
  load(): { running: number; waiting: number };
  /** Stops the helper process for good; operations in flight and later ones fail as busy. */
  close(): void;
}

/** The cost parameters a hasher may be given instead of ARGON2_OPTIONS's. */
export type Argon2Cost = Readonly<{ memoryCost: number; timeCost: number }>;

export interface PasswordHasherOptions {
  /**
   * Hashes made with another cost (tests: a hash of 1 MiB that no busy machine makes slow);
   * verification reads the cost from each digest, so every digest stays checkable.
   */
  cost?: Argon2Cost;
  concurrency?: number;
  queueLimit?: number;
  waitMs?: number;
  runMs?: number;
}

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

/** Creates a bounded argon2id runner; one per process, shared by every check. */
export function createPasswordHasher({
  cost,
  concurrency = HASH_CONCURRENCY,
  queueLimit = HASH_QUEUE_LIMIT,
  waitMs = HASH_WAIT_MS,
  runMs = HASH_RUN_MS,
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

  const helper = createHashHelper(concurrency, runMs, { ...ARGON2_OPTIONS, ...cost });
  return {
    hash: (secret) => run(() => helper.call({ op: 'hash', secret }) as Promise<string>),
    verify: (digest, secret) =>
      // A digest that is not argon2id PHC (a damaged record) is a mismatch, never an exception.
      run(
        async () => digest.startsWith('$argon2id$') && (await helper.call({ op: 'verify', digest, secret })) === true,
      ),
    load: () => ({ running, waiting: queue.length }),
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
  close(): void;
}

/**
 * The helper process, started at the first call and again after it died or was killed as
 * stuck. Every failure of the helper is a PasswordHashBusyError: the check did not happen (a
 * 503), which is never a pass.
 */
function createHashHelper(threads: number, runMs: number, options: Readonly<Record<string, number>>): HashHelper {
  let child: ChildProcess | undefined;
  let closed = false;
  let nextId = 0;
  const pending = new Map<
    number,
    { owner: ChildProcess; resolve(value: string | boolean): void; reject(error: Error): void; timer: NodeJS.Timeout }
  >();

  /** Fails the calls that were running in `owner`. */
  const failAll = (owner: ChildProcess, why: string) => {
    for (const [id, waiter] of pending) {
      if (waiter.owner !== owner) continue;
      pending.delete(id);
      clearTimeout(waiter.timer);
      waiter.reject(new PasswordHashBusyError(`argon2 helper: ${why}`));
    }
  };
  /** Stops a helper; its calls fail, and the next call starts another. */
  const discard = (owner: ChildProcess, why: string) => {
    if (child === owner) child = undefined;
    owner.kill('SIGKILL');
    failAll(owner, why);
  };
  // Idle, the helper must not keep the gateway (or a test) alive; busy, it must, or an awaited
  // hash would be abandoned by a process with nothing else to do.
  const setBusy = (owner: ChildProcess, busy: boolean) => {
    if (busy) owner.ref();
    else owner.unref();
    if (busy) owner.channel?.ref();
    else owner.channel?.unref();
  };

  const start = (): ChildProcess => {
    const started = spawn(process.execPath, ['-e', HELPER_SOURCE], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // Nothing of the gateway's environment (its keys may be there): only what the helper reads.
      env: {
        GATEWAY_ARGON2_PATH: createRequire(import.meta.url).resolve('argon2'),
        GATEWAY_ARGON2_OPTIONS: JSON.stringify(options),
        UV_THREADPOOL_SIZE: String(threads),
        // Blocks of 19 MiB are mapped and unmapped each time, not kept in an arena.
        MALLOC_MMAP_THRESHOLD_: String(1024 * 1024),
      },
    });
    started.on('message', (reply: Reply) => {
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      clearTimeout(waiter.timer);
      if (![...pending.values()].some((other) => other.owner === started)) setBusy(started, false);
      if ('error' in reply) waiter.reject(new Error(`argon2: ${reply.error}`));
      else waiter.resolve(reply.result);
    });
    started.on('exit', (code, signal) => discard(started, `exited (${signal ?? code})`));
    started.on('error', (error) => discard(started, error.message));
    setBusy(started, false);
    return started;
  };

  return {
    call(job) {
      if (closed) return Promise.reject(new PasswordHashBusyError('argon2 helper: stopped'));
      child ??= start();
      const owner = child;
      setBusy(owner, true);
      const id = nextId++;
      return new Promise<string | boolean>((resolve, reject) => {
        const timer = setTimeout(() => discard(owner, `no answer within ${runMs} ms`), runMs);
        pending.set(id, { owner, resolve, reject, timer });
        owner.send({ id, ...job });
      });
    },
    close() {
      closed = true;
      if (child) discard(child, 'stopped');
    },
  };
}
