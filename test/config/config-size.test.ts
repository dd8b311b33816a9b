// A config file far bigger than any real one (the wrong file, /dev/zero) is refused at once: YAML's duplicate-key
// check is quadratic, so a 50 MB file kept `validate` busy for over 10 minutes at ~1 GB, and /dev/zero was read until
// the process aborted; the daemon's loader was killed after 60 s with "a hung filesystem?".
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { loadConfig, MAX_CONFIG_BYTES } from '../../src/config/load.js';

describe('config file size', () => {
  it('a 5 MB file of one big map is refused in a moment, naming its size; one just under the bound still loads', () => {
    const dir = tempDir();
    const big = path.join(dir, 'big.yaml');
    const env = Array.from({ length: 25_000 }, (_, i) => `      K${i}: "${'x'.repeat(180)}"`).join('\n');
    writeFileSync(big, `services:\n  - name: a\n    command: [sleep, "1"]\n    env:\n${env}\n`);
    const started = performance.now();
    expect(() => loadConfig({ file: big, stateDir: path.join(dir, 'state') })).toThrow(/\(file\): is 4\.\d MiB: expected a config file of at most 1\.0 MiB/);
    expect(performance.now() - started).toBeLessThan(2_000);

    const padded = path.join(dir, 'padded.yaml');
    const text = 'services:\n  - name: a\n    command: [sleep, "1"]\n';
    writeFileSync(padded, text + '#'.repeat(MAX_CONFIG_BYTES - text.length - 1) + '\n');
    expect(loadConfig({ file: padded, stateDir: path.join(dir, 'state') }).config.services[0]!.name).toBe('a');
  });

  it('validate -c /dev/zero: invalid config (exit 2), not a read that never ends', async () => {
    const r = await runCli(['validate', '-c', '/dev/zero'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('(file): is over 1.0 MiB');
  });
});
