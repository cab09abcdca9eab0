// Owns group commit: many mutations share one durable write. A write starts as soon as one is
// needed and none is running; changes made while it runs are batched into the next one, so the
// number of writes follows the disk's speed, not the request rate, and every caller is
// acknowledged only by a write that began after its change (so the write contains it).

export interface GroupCommit {
  /**
   * Resolves once every change counted so far is durable; `changed` counts the caller's own.
   * Rejects with the write's error when the write that was to contain it failed.
   */
  commit(changed: boolean): Promise<void>;
}

interface Batch {
  /** The count of changes the snapshot of this batch contains. */
  version: number;
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function createBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { version: 0, promise, resolve, reject };
}

/**
 * Creates a group commit over `snapshot` (taken synchronously, the moment a write starts) and
 * `persist` (makes one snapshot durable). Writes never overlap.
 */
export function createGroupCommit<T>(snapshot: () => T, persist: (state: T) => Promise<void>): GroupCommit {
  let version = 0;
  let durable = 0;
  let running: Batch | undefined;
  let waiting: Batch | undefined;

  async function drain(): Promise<void> {
    while (waiting) {
      const batch = waiting;
      waiting = undefined;
      running = batch;
      batch.version = version;
      try {
        await persist(snapshot());
        durable = batch.version;
        batch.resolve();
      } catch (error) {
        // The changes stay in memory and are counted, so the next commit retries them.
        batch.reject(error);
      }
    }
    running = undefined;
  }

  return {
    commit(changed) {
      if (changed) version += 1;
      if (durable >= version) return Promise.resolve();
      if (running && running.version >= version) return running.promise;
      if (waiting) return waiting.promise;
      const batch = createBatch();
      waiting = batch;
      // drain() takes the batch at once when no write is running.
      if (!running) void drain();
      return batch.promise;
    },
  };
}
