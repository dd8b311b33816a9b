// The tests are TypeScript too, but vitest strips their types without checking them: a test that passes a value
// the code's types forbid (a start reason that does not exist) tests nothing real. tsconfig.test.json checks them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('types', () => {
  it('the sources and the tests type-check (tsconfig.test.json)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(r.stdout + r.stderr, 'tsc -p tsconfig.test.json').toBe('');
    expect(r.status).toBe(0);
  }, 250_000);
});
