// A reload never switches protection off by itself (issue 13): gateway.yaml written in two
// parts, the first ending just before `login:`, leaves a valid file without a login section
// on disk for a moment. The gateway keeps the login layer (held back until a restart, logged
// and shown on readyz), so an enrolled admin still needs her second step.
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { ADMIN, type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

let harness: LoginHarness;
let configFile: string;

before(async () => {
  harness = await startLoginHarness({ liveConfig: true });
  configFile = join(harness.dataDir, 'gateway.yaml');
  await harness.enrollAdmin();
});
after(() => harness.close());

/** The log lines with this event. */
function events(name: string): Array<Record<string, unknown>> {
  return harness
    .logText()
    .split('\n')
    .filter((line) => line.includes(`"event":"${name}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function readyz(): Promise<Record<string, unknown>> {
  const answer = await harness.browser().get('/_gateway/readyz');
  return JSON.parse(answer.text) as Record<string, unknown>;
}

test('a file cut just before login: keeps the login layer; the admin still owes her second step', async () => {
  const { login, ...rest } = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  const firstPart = stringify(rest);
  const secondPart = stringify({ login });

  // The first part, written in place: a valid configuration without a login section.
  await writeFile(configFile, firstPart);
  await waitFor('config.restart_needed in the log', () => events('config.restart_needed').length > 0);
  const held = events('config.restart_needed').at(-1) as { held_back: Array<{ path: string }>; level: number };
  assert.deepEqual(
    held.held_back.map((entry) => entry.path),
    ['login'],
  );
  assert.deepEqual((await readyz()).restart_needed, [{ path: 'login', change: 'login section removed' }]);

  const browser = harness.browser();
  const answer = await browser.login(ADMIN.user, ADMIN.password);
  assert.equal(answer.status, 303);
  assert.equal(answer.location, '/_gateway/step-up', 'the password alone is not enough');
  assert.equal((await browser.get('/dashboard')).status === 200, false, 'no session without the second step');

  // The second part arrives: nothing is held back any more.
  await appendFile(configFile, secondPart);
  await waitFor('readyz without restart_needed', async () => (await readyz()).restart_needed === undefined);
});
