// Owns measuring a store: every call's time and whether it failed, reported to an observer
// (the gateway's metrics), around any backend. A RangeError or TypeError (a caller's mistake)
// is not a store failure; anything else a call throws is.

import type { Store } from './store.js';

export interface StoreObserver {
  call(operation: string, seconds: number, failed: boolean): void;
}

type Operation = Exclude<keyof Store, 'close'>;
const OPERATIONS: readonly Operation[] = [
  'get',
  'set',
  'setIfAbsent',
  'delete',
  'increment',
  'setIfGreater',
  'addToSet',
  'removeFromSet',
  'members',
  'addOrdered',
  'removeOrdered',
  'lowestOrdered',
  'orderedMembers',
  'pushCapped',
  'listItems',
  'writeAll',
  'ping',
];

/** The store with each call reported to `observer`; the same store when there is none. */
export function observedStore<S extends Store>(store: S, observer: StoreObserver | undefined): S {
  if (!observer) return store;
  const wrapped: S = Object.create(store);
  for (const operation of OPERATIONS) {
    const call = store[operation] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<Operation, unknown>)[operation] = async (...args: unknown[]) => {
      const started = performance.now();
      let failed = false;
      try {
        return await call.apply(store, args);
      } catch (error) {
        failed = !(error instanceof RangeError || error instanceof TypeError);
        throw error;
      } finally {
        observer.call(operation, (performance.now() - started) / 1000, failed);
      }
    };
  }
  return wrapped;
}
