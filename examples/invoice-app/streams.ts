// Open Server-Sent Event streams, remembered so that shutdown can end them instead of waiting forever.
import type { ServerResponse } from 'node:http';

export class OpenStreams {
  readonly #open = new Set<ServerResponse>();

  get size(): number {
    return this.#open.size;
  }

  add(res: ServerResponse): void {
    this.#open.add(res);
    res.once('close', () => this.#open.delete(res));
  }

  endAll(): void {
    for (const res of this.#open) res.end();
  }
}
