// A client that disconnects in the middle of sending a login body is the
// client's doing: its access line says aborted, and nothing is logged at error level
// (issue 13: 187 `pipeline.failed: aborted` error lines in a fuzz run).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { type LoginHarness, startLoginHarness } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness({ overrides: { logging: { level: 'debug' } } });
});
after(() => harness.close());

/** Sends the headers of a POST announcing 1,000 bytes, 20 of them, then closes the connection. */
async function leaveMidBody(path: string): Promise<void> {
  const { port } = new URL(harness.gatewayUrl);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nusername=alice&passw`,
  );
  // Wait until the gateway has the request in hand (its access line comes at the close).
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
}

const lines = () =>
  harness
    .logText()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

test('a login body cut off by the client is no error of the gateway', async () => {
  await leaveMidBody('/login');
  await waitFor('the aborted access line', () => lines().some((l) => l.event === 'request' && l.aborted));
  await waitFor('the debug line saying why', () => lines().some((l) => l.event === 'request.client_aborted'));
  const errors = lines().filter((line) => line.level === 'error' || line.level === 'fatal');
  assert.deepEqual(errors, []);
});
