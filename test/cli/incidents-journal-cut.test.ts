// `clawback incidents` on a never-rotated 29 MiB journal said "no incidents in the journal" while an incident opened in
// its oldest part was still open: only the newest 16 MiB were read, and nothing said so. The real CLI on a real file.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('clawback incidents on a journal past the read bound', () => {
  it('lists the open incident opened before the cut, with its reason, and says the cut on stderr', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const t0 = Date.parse('2026-11-01T00:00:00Z');
    const pad = 'y'.repeat(200);
    const lines = [JSON.stringify({ type: 'incident.opened', time: t0, severity: 'warning', service: 'web', incidentId: 'inc-old-1', level: 0, message: 'web crashed', details: { reason: 'process ended (exit code 1)' } })];
    // ~23 MiB of other events after it: past the 16 MiB read bound.
    for (let i = 0; i < 80_000; i++) lines.push(JSON.stringify({ type: 'probe.failed', time: t0 + 1000 + i, severity: 'info', service: 'api', message: `probe ${i}${pad}` }));
    writeFileSync(path.join(stateDir, 'journal.jsonl'), `${lines.join('\n')}\n`);
    const r = await runCli(['--state-dir', stateDir, 'incidents', '--json'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ id: 'inc-old-1', openedAt: t0, status: 'open', reason: 'process ended (exit code 1)' }]);
    expect(r.stderr).toMatch(/journal\.jsonl is \d+\.\d MiB: only its newest 16\.0 MiB were read whole; of the older \d+\.\d MiB only the incident lines/);
  }, 60_000);
});
