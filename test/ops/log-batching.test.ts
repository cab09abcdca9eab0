// The gateway's standard output gathers log lines and writes them in large batches (issue 17:
// the access log's writes were most of its cost). What must hold: every line is written, in the
// order it was logged, access lines and pino's own lines alike, including the lines of a batch
// not yet full when the process exits; lines encoded whole (characters of several bytes at a
// batch's end, a line longer than a batch). A closed destination writes its last lines and
// leaves nothing behind: however many are made, they add no exit listener each.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { batchedDestination } from '../../src/ops/logger.js';
import { LOADER_ARGS, runnable } from '../helpers/node-program.js';
import { waitFor } from '../helpers/wait.js';

const SCRIPT = `
import { createLogger, writeSafeLine } from ${JSON.stringify(runnable(new URL('../../src/ops/logger.ts', import.meta.url)).href)};
const logger = createLogger({ level: 'info' });
for (let i = 0; i < 3000; i++) {
  if (i % 2) writeSafeLine(logger, 'info', '"event":"request","n":' + i);
  else if (i % 500 === 0) logger.info({ event: 'long', n: i, text: 'é€😀'.repeat(i === 1000 ? 12000 : 40) });
  else logger.info({ event: 'other', n: i });
}
`;

test('every line reaches stdout once, in order, the last unfinished batch at exit', async () => {
  const child = spawn(process.execPath, [...LOADER_ARGS, '--input-type=module', '-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 3000);
  lines.forEach((line, i) => {
    const parsed = JSON.parse(line) as { n: number; event: string; text?: string };
    assert.equal(parsed.n, i);
    if (i % 2 === 0 && i % 500 === 0) {
      assert.equal(parsed.event, 'long');
      assert.equal(parsed.text, 'é€😀'.repeat(i === 1000 ? 12000 : 40));
    } else assert.equal(parsed.event, i % 2 ? 'request' : 'other');
  });
});

test('destinations share one exit hook, and a closed one writes its last lines and keeps none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gateway-log-batching-'));
  try {
    // The first destination adds the shared hook (and pino's writer its own, once).
    batchedDestination({ dest: join(dir, 'first.log') }).close();
    const listeners = process.listenerCount('exit');
    const files = Array.from({ length: 30 }, (_, i) => join(dir, `${i}.log`));
    const destinations = files.map((dest, i) => {
      const destination = batchedDestination({ dest });
      destination.write(`{"n":${i}}\n`);
      return destination;
    });
    assert.equal(process.listenerCount('exit'), listeners, 'no listener per destination');
    for (const destination of destinations) destination.close();
    assert.equal(process.listenerCount('exit'), listeners);
    const written = (file: string) => readFile(file, 'utf8').catch(() => '');
    await waitFor('every closed destination wrote its line', async () => {
      const texts = await Promise.all(files.map(written));
      return texts.every((text, i) => text === `{"n":${i}}\n`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
