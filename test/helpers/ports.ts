// Free ports for servers that must be told their port before they start (redis-server, Django,
// a gateway whose origin the app must know): the kernel picks one, the probe lets it go.

import { once } from 'node:events';
import { createServer } from 'node:net';

/** A loopback port nothing listens on now (the kernel's choice). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
