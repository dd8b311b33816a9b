// `clawback logs NAME -f` goes on from where its tail read ended: lines the service wrote while the tail was being
// shown were skipped (the follow started at the file's size after the tail had been printed).
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CLI } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';

describe('logs NAME -f while the service writes', () => {
  let child: MarkedChild | undefined;
  let timer: NodeJS.Timeout | undefined;
  afterEach(() => {
    clearInterval(timer);
    child?.kill();
  });

  it('shows every line once, those written while its long tail was being shown included', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    const logs = path.join(dir, 'state', 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(file, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    const log = path.join(logs, 'web.log');
    // A long tail (redacted and made terminal-safe line by line) keeps the CLI busy while the writer goes on.
    const old = Array.from({ length: 40_000 }, (_, i) => `old ${i} some words of output to redact and show`);
    writeFileSync(log, `${old.join('\n')}\n`);
    child = spawnMarked(process.execPath, [CLI, 'logs', 'web', '-f', '-n', '40000', '--config', file, '--state-dir', path.join(dir, 'state')]);
    let seq = 0;
    timer = setInterval(() => appendFileSync(log, `seq ${seq++}\n`), 2);
    await child.waitForStdout('old 39999', 30_000);
    // Bounded: the writer goes on a little after the tail was shown, then stops.
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(timer);
    const lastSeq = seq - 1;
    const out = await child.waitForStdout(`seq ${lastSeq}\n`, 20_000);
    const seen = out.split('\n').filter((l) => l.startsWith('seq ')).map((l) => Number(l.slice(4)));
    expect(seen.length).toBeGreaterThan(10);
    const missing = Array.from({ length: lastSeq + 1 }, (_, i) => i).filter((i) => !seen.includes(i));
    expect(missing).toEqual([]);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(seen.length);
  }, 90_000);
});
