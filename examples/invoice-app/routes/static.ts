// The public static assets (stylesheet and dashboard script), read once and served with an ETag.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Router } from '../router.js';

const ASSETS = [
  { file: 'app.css', contentType: 'text/css; charset=utf-8' },
  { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
] as const;

export function registerStaticRoutes(router: Router): void {
  for (const asset of ASSETS) {
    const body = readFileSync(new URL(`../static/${asset.file}`, import.meta.url));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    router.get(`/static/${asset.file}`, ({ req, res }) => {
      // no-cache still lets browsers keep the file; they just revalidate it against the ETag.
      const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': asset.contentType, 'Content-Length': body.length });
      res.end(body);
    });
  }
}
