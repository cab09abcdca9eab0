// Issue 14: the container example (config/container.yaml) listens on every interface and takes the
// app's address from GATEWAY_UPSTREAM: `gateway check-config` passes with it set and names it,
// in one line, when it is missing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const CONTAINER = new URL('../../config/container.yaml', import.meta.url).pathname;

test('check-config accepts config/container.yaml with GATEWAY_UPSTREAM set, and names the variable without it', async () => {
  const ok = await runCli(['check-config', '--strict', '--config', CONTAINER], {
    GATEWAY_UPSTREAM: 'http://invoices:3001',
  });
  assert.equal(ok.code, 0, ok.stderr);

  const missing = await runCli(['check-config', '--config', CONTAINER], { GATEWAY_UPSTREAM: '' });
  assert.notEqual(missing.code, 0);
  assert.match(
    missing.stdout + missing.stderr,
    /upstream\.url: names the environment variable GATEWAY_UPSTREAM, which is not set \(line \d+\)/,
  );
});
