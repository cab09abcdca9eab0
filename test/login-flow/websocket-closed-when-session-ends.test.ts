// S4 for open WebSockets: a session's sockets close when it ends, whether by the gateway's
// logout, or by a revocation made elsewhere (another gateway, the CLI), which the gateway
// notices within its sweep.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { waitFor } from '../helpers/wait.js';

let harness: LoginHarness;

before(async () => {
  harness = await startLoginHarness();
});
after(() => harness.close());

/** Opens the demo app's WebSocket with a browser's cookies; resolves once the app said hello. */
function openSocket(cookie: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${harness.gatewayUrl.replace(/^http/, 'ws')}/ws`, { headers: { cookie } });
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)));
    socket.once('message', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

test("the gateway's logout closes the session's open WebSocket with 1008", async () => {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  const { closed } = await openSocket(browser.cookieHeader());
  const csrf = await browser.gatewayCsrf('/_gateway/account');
  const logout = await browser.post('/_gateway/logout', { csrf_token: csrf });
  assert.equal(logout.status, 303);
  assert.equal(await closed, 1008);
});

test('a revocation made in the store closes the open WebSocket within the sweep', async () => {
  const browser = harness.browser();
  await browser.login(STAFF.user, STAFF.password);
  const { socket, closed } = await openSocket(browser.cookieHeader());
  let code: number | undefined;
  void closed.then((value) => {
    code = value;
  });
  // As `gateway sessions revoke bob` does from another process: straight in the store.
  await harness.gateway.login?.records.revoke(STAFF.user);
  await waitFor('the WebSocket to close', () => code !== undefined);
  assert.equal(code, 1008);
  socket.terminate();
});
