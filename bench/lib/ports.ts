// Owns finding a free TCP port on 127.0.0.1 for servers that must be told theirs (nginx).

import { once } from 'node:events';
import net from 'node:net';

/** A port that was free a moment ago (the kernel picks it; the short race is acceptable here). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
