// Owns the process logger: pino JSON lines, with every place a secret could appear redacted
// by configuration rather than by the care of each call site.

import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths censored in every log line, whoever logs the object. */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers["x-csrf-token"]',
  'headers["set-cookie"]',
  'cookie',
  'authorization',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'otp',
  '*.otp',
  'answer',
  '*.answer',
  'token',
  '*.token',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout (asynchronous, flushed at exit) by default. */
  destination?: DestinationStream;
}

/** How long a log line may wait in the buffer before it is written. */
const FLUSH_EVERY_MS = 500;
/** Bytes of lines handed to the writer at once. */
const BATCH_BYTES = 32 * 1024;
/** The most bytes a UTF-16 code unit takes in UTF-8: a line of n units needs at most 3n bytes. */
const MAX_UTF8_PER_UNIT = 3;

export interface BatchedOptions {
  /** A file descriptor or a file path; standard output by default. */
  dest?: number | string;
  /** Writes each batch synchronously (the access-log micro-benchmark); asynchronously by default. */
  sync?: boolean;
}

/** Where createLogger writes by default: lines in, batches out. */
export interface BatchedDestination extends DestinationStream {
  flush(callback?: (error?: Error | null) => void): void;
  flushSync(): void;
  /**
   * Writes what is left and ends the writer (closing a file it opened; never stdout or stderr),
   * and stops the destination's timer and exit hook. No line may be written after it.
   */
  close(): void;
}

/** pino's writer (sonic-boom) in buffer mode. */
interface BufferWriter {
  write(chunk: Buffer): boolean;
  flush(callback?: (error?: Error | null) => void): void;
  flushSync(): void;
  end(): void;
}

/** The batch handers of the destinations not yet closed, all run by one exit hook. */
const openBatches = new Set<() => void>();
let exitHooked = false;

/**
 * One exit listener for every destination, however many are made (the benchmark and the tests
 * make many: a listener each piled up to Node's MaxListenersExceededWarning). Added before the
 * first destination's writer, so before pino's own exit hook (which flushes its writers): it
 * runs first, and never goes, so that it stays first.
 */
function handAtExit(hand: () => void): void {
  if (!exitHooked) {
    process.on('exit', () => {
      for (const each of openBatches) each();
    });
    exitHooked = true;
  }
  openBatches.add(hand);
}

/**
 * Standard output (or `dest`), written in batches: one write per line cost about 40% of the CPU of a
 * proxied request in the benchmark. Lines are encoded, in order, straight into a 32 KB buffer,
 * which is handed to pino's writer (in buffer mode) when full, every half second, at close() and
 * at exit.
 * Gathering them as strings and joining each batch cost 1.4-1.7 µs a line more than building
 * it (issue 17): the lines outlived the young generation's collections while they waited, and
 * the writer measured and encoded each joined batch again. Encoded at once, a line is garbage
 * as soon as it is written, and its bytes are off the JavaScript heap.
 */
export function batchedDestination({ dest = 1, sync = false }: BatchedOptions = {}): BatchedDestination {
  let batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
  let used = 0;
  const hand = () => {
    if (used === 0) return;
    // The writer keeps the batch until it is written: the next lines go to a new one.
    destination.write(batch.subarray(0, used));
    batch = Buffer.allocUnsafeSlow(BATCH_BYTES);
    used = 0;
  };
  handAtExit(hand);
  // In buffer mode sonic-boom writes Buffers as they are; its types describe only its string mode.
  const destination = pino.destination({
    dest,
    sync,
    minLength: 4096,
    contentMode: 'buffer',
  }) as unknown as BufferWriter;
  const timer = setInterval(() => {
    hand();
    destination.flush();
  }, FLUSH_EVERY_MS).unref();
  return {
    write(line: string) {
      const most = line.length * MAX_UTF8_PER_UNIT;
      if (used + most > BATCH_BYTES) {
        hand();
        // A line longer than a batch (a long error stack) is written on its own.
        if (most > BATCH_BYTES) return void destination.write(Buffer.from(line));
      }
      used += batch.write(line, used);
    },
    flush(callback?: (error?: Error | null) => void) {
      hand();
      destination.flush(callback);
    },
    flushSync() {
      hand();
      destination.flushSync();
    },
    close() {
      clearInterval(timer);
      openBatches.delete(hand);
      hand();
      destination.end();
    },
  };
}

/** Creates the gateway's logger. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? batchedDestination();
  return pino(
    {
      level: options.level,
      base: { service: 'gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type SafeLevel = 'info' | 'warn';

/** The ISO time of the current second ("2026-12-03T07:06:58."), rebuilt once a second. */
let isoSecond = '';
let isoSecondStart = -1;

/** The time as pino's isoTime writes it (toISOString), the date part built once a second. */
function isoNow(): string {
  const now = Date.now();
  const ms = now % 1000;
  if (now - ms !== isoSecondStart) {
    isoSecondStart = now - ms;
    isoSecond = new Date(isoSecondStart).toISOString().slice(0, 20);
  }
  return `${isoSecond}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/**
 * Writes the line pino would write at `level` for the fields whose JSON text (`"name":value`
 * pairs joined by commas, http/access-log.ts) is `fields`: in the format createLogger sets
 * (level label, ISO time, the logger's bindings, then the fields), without pino's generic
 * redaction and serialisation, which a profile showed as most of the 15-25 µs an access line
 * cost. Only for fields known to be safe: no key among REDACT_PATHS (a test holds the access
 * line's keys to that) and values computed by the gateway, each string escaped by the caller
 * with JSON.stringify, so that no value can break out of its field.
 */
export function writeSafeLine(logger: Logger, level: SafeLevel, fields: string): void {
  if (!logger.isLevelEnabled(level)) return;
  const internals = logger as unknown as Record<symbol, unknown>;
  const stream = internals[pino.symbols.streamSym] as DestinationStream;
  const bindings = internals[pino.symbols.chindingsSym] as string;
  stream.write(`{"level":"${level}","time":"${isoNow()}"${bindings},${fields}}\n`);
}

const SENSITIVE_QUERY = /pass|secret|token|code|answer|key|session|auth|otp|sig/i;

/** A query parameter's name as an app reads it; an undecodable one as written. */
function decodedName(name: string): string {
  if (!name.includes('%')) return name;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** The path and query for a log line, with the values of sensitive-looking query parameters censored. */
export function loggablePath(path: string, search: string): string {
  if (search.length <= 1) return path + search;
  // Every name is a piece of the query, and without "%" reads as written: a query without "%"
  // where the pattern appears nowhere has no name to censor (most queries, at a tenth of the cost).
  if (!search.includes('%') && !SENSITIVE_QUERY.test(search)) return path + search;
  // ";" separates pairs too for some upstreams (Rack 2, Python before 3.9.2), so a pair ends at either.
  const query = search.slice(1).replace(/[^&;]+/g, (pair) => {
    const eq = pair.indexOf('=');
    if (eq === -1) return pair;
    const name = pair.slice(0, eq);
    return SENSITIVE_QUERY.test(decodedName(name)) ? `${name}=[Redacted]` : pair;
  });
  return `${path}?${query}`;
}
