// The gateway's standard output gathers log lines and writes them in large batches (issue 17:
// the access log's writes were most of its cost). What must hold: every line is written, in the
// order it was logged, access lines and pino's own lines alike, including the lines of a batch
// not yet full when the process exits.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';

const SCRIPT = `
import { createLogger, writeSafeLine } from ${JSON.stringify(new URL('../../src/ops/logger.ts', import.meta.url).href)};
const logger = createLogger({ level: 'info' });
for (let i = 0; i < 3000; i++) {
  if (i % 2) writeSafeLine(logger, 'info', '"event":"request","n":' + i);
  else logger.info({ event: 'other', n: i });
}
`;

test('every line reaches stdout once, in order, the last unfinished batch at exit', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
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
    const parsed = JSON.parse(line) as { n: number; event: string };
    assert.equal(parsed.n, i);
    assert.equal(parsed.event, i % 2 ? 'request' : 'other');
  });
});
