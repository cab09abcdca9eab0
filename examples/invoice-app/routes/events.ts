// The Server-Sent Events feed for signed-in users: a counter ticking about once a second.
import { requireLogin } from '../guards.js';
import type { Router } from '../router.js';
import type { AppServices } from '../services.js';

const TICK_INTERVAL_MS = 1000;

export function registerEventRoutes(router: Router, services: AppServices): void {
  router.get(
    '/events',
    requireLogin(services, 'unauthorized', ({ res }, { user }) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
      let count = 0;
      const tick = (): void => {
        count += 1;
        const data = JSON.stringify({ count, user: user.name, at: new Date().toISOString() });
        res.write(`event: tick\nid: ${count}\ndata: ${data}\n\n`);
      };
      tick();
      const timer = setInterval(tick, TICK_INTERVAL_MS);
      res.once('close', () => clearInterval(timer));
      services.streams.add(res);
    }),
  );
}
