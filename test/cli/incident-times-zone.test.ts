// `clawback incidents` and `incident ID` print times in the reader's zone, its offset written on them: they printed UTC
// with no zone, so in Tokyo an incident opened at 09:00 read 00:00, and the timeline's times of day had no date (an
// incident read days later, from an older rotation, or across midnight).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ev = (o: Record<string, unknown>): string => `${JSON.stringify({ severity: 'info', message: String(o.type), ...o })}\n`;

describe('incident times in the reader zone', () => {
  it('lists and shows local times with their offset, the date included', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const t = Date.parse('2026-11-01T23:59:59.500Z');
    writeFileSync(
      path.join(stateDir, 'journal.jsonl'),
      ev({ type: 'incident.opened', time: t, service: 'web', incidentId: 'inc-1', level: 0, details: { reason: 'process ended' } }) +
        ev({ type: 'incident.resolved', time: t + 1000, service: 'web', incidentId: 'inc-1', level: 0, details: { outcome: 'auto-resolved' } }),
    );
    const tokyo = { TZ: 'Asia/Tokyo' };
    const list = await runCli(['--state-dir', stateDir, 'incidents'], { env: tokyo });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/inc-1\s+web\s+2026-11-02 08:59:59\+09:00\s+0\s+auto-resolved\s/);
    const one = await runCli(['--state-dir', stateDir, 'incident', 'inc-1'], { env: tokyo });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('  2026-11-02 08:59:59.500+09:00  L0 incident.opened');
    expect(one.stdout).toContain('  2026-11-02 09:00:00.500+09:00  L0 incident.resolved');
    const utc = await runCli(['--state-dir', stateDir, 'incident', 'inc-1'], { env: { TZ: 'UTC' } });
    expect(utc.stdout).toContain('  2026-11-01 23:59:59.500+00:00  L0 incident.opened');
    expect(utc.stdout).toContain('  2026-11-02 00:00:00.500+00:00  L0 incident.resolved');
  }, 60_000);
});
