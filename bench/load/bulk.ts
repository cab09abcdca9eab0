// Owns running the large-body client (load/bulk-client.ts) pinned as the load generator.

import { runToEnd, spawnChild } from '../lib/processes.js';
import { REPO_ROOT, tsxArgs } from '../servers/paths.js';

export interface BulkResult {
  mode: 'upload' | 'download';
  bytes: number;
  received: number;
  status: number;
  ms: number;
  ok: boolean;
}

/** Streams `bytes` through `url` in one direction; throws when a byte went missing. */
export async function runBulk(
  cpus: string | undefined,
  mode: 'upload' | 'download',
  url: string,
  bytes: number,
): Promise<BulkResult> {
  const child = spawnChild(
    'bulk-client',
    cpus,
    process.execPath,
    tsxArgs('bench/load/bulk-client.ts', mode, url, String(bytes)),
    {
      cwd: REPO_ROOT,
    },
  );
  const { code, stdout, stderr } = await runToEnd(child);
  const line = stdout.trim().split('\n').at(-1);
  if (code !== 0 || !line?.startsWith('{')) throw new Error(`bulk ${mode} failed (${code}): ${stderr || stdout}`);
  const result = JSON.parse(line) as BulkResult;
  if (!result.ok)
    throw new Error(`bulk ${mode} through ${url}: status ${result.status}, ${result.received} of ${bytes} bytes`);
  return result;
}
