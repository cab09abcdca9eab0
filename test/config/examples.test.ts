// Every example configuration in config/ (and the embedded default) is valid as shipped.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { identityWarnings } from '../../src/config/identity-warnings.js';
import { formatConfigError, loadConfigFile } from '../../src/config/load.js';

const root = new URL('../../', import.meta.url).pathname;

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

// What config/container.yaml takes from the environment, as `docker run -e` sets it.
const ENV = { ...process.env, GATEWAY_UPSTREAM: 'http://invoices:3001' };

test('the example configurations validate', async () => {
  const files = [join(root, 'gateway.yaml'), ...(await yamlFiles('config'))];
  assert.ok(files.length >= 8, `found ${files.length} files`);
  for (const file of files) {
    const result = await loadConfigFile(file, ENV);
    assert.ok(result.ok, `${file}: ${result.ok ? '' : result.errors.map(formatConfigError).join('; ')}`);
    // Each confirms the identity the app signs in (S13): check-config --strict passes.
    assert.deepEqual(identityWarnings(result.config), [], file);
  }
});
