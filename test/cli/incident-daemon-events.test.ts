// `clawback incident ID` after the daemon died and the guardian revived it showed no daemon.started / guardian.revived
// (they carry no service), though they explain the gap in its timeline. The real CLI on a journal: they are shown
// inside the span of an incident open then, and not in one closed before.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

describe('clawback incident ID across a daemon revive', () => {
  it("shows the daemon's life events inside the incident's span only", { timeout: 30_000 }, async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir);
    const t0 = Date.now() - 60_000;
    const line = (o: Record<string, unknown>): string => JSON.stringify({ severity: 'info', message: String(o.type), ...o });
    const lines = [
      line({ type: 'incident.opened', time: t0, service: 'web', incidentId: 'inc-old', level: 0, details: { reason: 'exit' } }),
      line({ type: 'incident.resolved', time: t0 + 1000, service: 'web', incidentId: 'inc-old', level: 0, details: { ttrMs: 1000, highestLevel: 0, outcome: 'auto-resolved', reason: 'exit' } }),
      line({ type: 'incident.opened', time: t0 + 2000, service: 'web', incidentId: 'inc-gap', level: 0, details: { reason: 'exit' } }),
      line({ type: 'guardian.revived', time: t0 + 30_000, message: 'the guardian revived the daemon' }),
      line({ type: 'daemon.started', time: t0 + 30_500, message: 'clawback started' }),
      line({ type: 'incident.resolved', time: t0 + 40_000, service: 'web', incidentId: 'inc-gap', level: 0, details: { ttrMs: 38_000, highestLevel: 0, outcome: 'auto-resolved', reason: 'exit' } }),
      line({ type: 'daemon.started', time: t0 + 50_000, message: 'clawback started again' }),
    ];
    writeFileSync(path.join(stateDir, 'journal.jsonl'), lines.join('\n') + '\n');
    const gap = await runCli(['--state-dir', stateDir, 'incident', 'inc-gap', '--json']);
    expect(gap.code, gap.stderr).toBe(0);
    const types = (JSON.parse(gap.stdout) as { timeline: Array<{ type: string; message: string }> }).timeline.map((e) => `${e.type} ${e.message}`);
    expect(types).toEqual(['incident.opened incident.opened', 'guardian.revived the guardian revived the daemon', 'daemon.started clawback started', 'incident.resolved incident.resolved']);
    const text = await runCli(['--state-dir', stateDir, 'incident', 'inc-gap']);
    expect(text.stdout).toContain('guardian.revived');
    const old = await runCli(['--state-dir', stateDir, 'incident', 'inc-old', '--json']);
    expect((JSON.parse(old.stdout) as { timeline: unknown[] }).timeline).toHaveLength(2);
  });
});
