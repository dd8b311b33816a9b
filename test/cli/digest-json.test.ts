// `clawback digest --json` was refused ("unknown option '--json'", exit 1): a weekly report script had to parse Markdown.
// It prints the digest's figures as one JSON object, from a real journal.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

describe('clawback digest --json', () => {
  it('prints the figures as one JSON line', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir);
    const now = Date.now();
    const ev = (type: string, time: number, details: Record<string, unknown>): string =>
      JSON.stringify({ type, time, severity: 'warning', message: type, service: 'web', incidentId: 'inc-1', level: 0, details });
    writeFileSync(path.join(stateDir, 'journal.jsonl'), `${ev('incident.opened', now - 4000, { reason: 'process ended', firstSignalAt: now - 4000 })}\n${ev('incident.resolved', now - 1000, { ttrMs: 3000, highestLevel: 0, outcome: 'auto-resolved', reason: 'process ended' })}\n`);
    const r = await runCli(['--state-dir', stateDir, 'digest', '--days', '1', '--json'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(r.stdout)).toMatchObject({ incidents: 1, autoResolved: 1, autoResolvedShare: 1, meanTtrMs: 3000 });
  }, 60_000);
});
