// A store that records every atomic write it applied, for tests that a change and what must go
// with it (its audit event, its recovery codes) are one Store.writeAll (issue 13).

import { createMemoryStore } from '../../src/store/memory.js';
import type { Store, StoreWrite } from '../../src/store/store.js';

/** A memory store, and the changes of each writeAll it applied, in order. */
export function recordingStore(): { store: Store; written: StoreWrite[][] } {
  const inner = createMemoryStore();
  const written: StoreWrite[][] = [];
  const store = new Proxy(inner, {
    get(target, property) {
      if (property === 'writeAll') {
        return async (...args: Parameters<Store['writeAll']>) => {
          const applied = await target.writeAll(...args);
          if (applied) written.push([...args[0]]);
          return applied;
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, written };
}
