// Issue 14: `gateway healthcheck` (the container's HEALTHCHECK) asks the gateway on the port the
// configuration sets, not a fixed 8080: exit 0 when it answers, exit 1 with one line when nothing
// listens there.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli, writeCliConfig } from '../helpers/cli.js';
import { type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness?.close());

test('healthcheck asks the configured port and says ok; nothing listening is exit 1, one line', async () => {
  const port = Number(new URL(harness.gateway.url).port);
  const config = await writeCliConfig(harness, { listen: { host: '0.0.0.0', port } });
  const ok = await runCli(['healthcheck', '--config', config]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, `http://127.0.0.1:${port}/_gateway/healthz: ok\n`);

  await harness.gateway.shutdown();
  const down = await runCli(['healthcheck', '--config', config]);
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    new RegExp(`^gateway: http://127\\.0\\.0\\.1:${port}/_gateway/healthz did not answer: .+\\n$`),
  );
});
