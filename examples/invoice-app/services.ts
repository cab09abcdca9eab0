// The shared state every route module receives: stores, open streams and the logger.
import type { InvoiceBook } from './invoices.js';
import type { SessionManager } from './sessions.js';
import type { OpenStreams } from './streams.js';
import type { UserStore } from './users.js';

/** Satisfied by `console` and by pino loggers. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface AppServices {
  readonly sessions: SessionManager;
  readonly users: UserStore;
  readonly invoices: InvoiceBook;
  readonly streams: OpenStreams;
  readonly logger: Logger;
  /** Lenient login reading (credentials from the query on GET, JSON sniffed from a form); off by default. */
  readonly lenient: boolean;
}
