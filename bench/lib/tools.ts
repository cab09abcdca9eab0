// Owns the external tools the bench needs (nginx, wrk and redis-server from Debian, and Caddy, the
// Go reference proxy): finds them and, when one is missing, installs Debian's packages with
// apt-get, saying so. Nothing else is installed. Caddy is optional: when it cannot be installed,
// its target is skipped with the reason in the report.

import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface Tools {
  nginx: string;
  wrk: string;
  /** For the gateway-redis target. */
  redisServer: string;
  nginxVersion: string;
  wrkVersion: string;
  /** Debian's `caddy`, or why it is not there. */
  caddy: { path: string; version: string } | { missing: string };
}

/** The executable's path; /usr/sbin is searched too, since nginx lives there and is not on every PATH. */
function which(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    if (!dir) continue;
    try {
      accessSync(`${dir}/${name}`, constants.X_OK);
      return `${dir}/${name}`;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** Whether apt knows a candidate version of the package (`apt-cache policy` says "Candidate: (none)" otherwise). */
function hasCandidate(pkg: string): boolean {
  const out = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' }).stdout ?? '';
  const candidate = /Candidate:\s*(\S+)/.exec(out)?.[1];
  return candidate !== undefined && candidate !== '(none)';
}

function aptInstall(): void {
  process.stdout.write('bench: nginx, wrk or redis-server is missing; running apt-get update (Debian packages)\n');
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  // nginx-light is the smallest build with the proxy and upstream keepalive modules; plain
  // nginx where a release no longer has it.
  const nginxPkg = hasCandidate('nginx-light') ? 'nginx-light' : 'nginx';
  const packages = [nginxPkg, 'wrk', 'redis-server'];
  process.stdout.write(`bench: apt-get install -y ${packages.join(' ')}\n`);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Caddy, installed from Debian first when it is missing; the reason when it cannot be. */
function ensureCaddy(): Tools['caddy'] {
  if (!which('caddy')) {
    if (!hasCandidate('caddy')) return { missing: 'Debian package caddy not available here (apt-cache policy caddy)' };
    process.stdout.write('bench: caddy is missing; apt-get install -y caddy\n');
    const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'caddy'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (install.status !== 0) return { missing: `apt-get install caddy failed (exit ${install.status})` };
  }
  const path = which('caddy');
  if (!path) return { missing: 'caddy is not on the PATH after its installation' };
  const version = spawnSync(path, ['version'], { encoding: 'utf8' }).stdout.trim().split(/\s+/)[0] ?? 'unknown';
  return { path, version };
}

/** Finds nginx, wrk, redis-server and Caddy, installing them from Debian first when one is missing. */
export function ensureTools(): Tools {
  if (!which('nginx') || !which('wrk') || !which('redis-server')) aptInstall();
  const nginx = which('nginx');
  const wrk = which('wrk');
  const redisServer = which('redis-server');
  if (!nginx || !wrk || !redisServer) {
    throw new Error('nginx, wrk and redis-server are needed (apt-get install nginx-light wrk redis-server)');
  }
  // nginx -v writes to stderr; wrk -v prints its banner and exits 1.
  const nginxVersion = spawnSync(nginx, ['-v'], { encoding: 'utf8' })
    .stderr.trim()
    .replace(/^nginx version:\s*/, '');
  const wrkBanner = spawnSync(wrk, ['-v'], { encoding: 'utf8' });
  const wrkVersion = /wrk\s+(\S+)/.exec(`${wrkBanner.stdout}${wrkBanner.stderr}`)?.[1] ?? 'unknown';
  return { nginx, wrk, redisServer, nginxVersion, wrkVersion, caddy: ensureCaddy() };
}
