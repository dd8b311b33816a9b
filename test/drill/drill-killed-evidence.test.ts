// A drill SIGKILLed mid config-corrupt: the doctor restores the config and keeps the drill's garbage as `.corrupt-*`
// evidence. The next drill released the guard (bytes back) but left that "evidence" of nothing beside the user's config for ever.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { drilledStatus, drillDaemonPerFile } from './drill-daemon.js';
import { recoverAbandonedGuards } from '../../src/drill/file-guard.js';

const dist = (p: string): string => fileURLToPath(new URL(`../../dist/${p}`, import.meta.url));

describe('a drill SIGKILLed after it garbled the service config', () => {
  const d = drillDaemonPerFile('gateway');

  it('the next drill removes the evidence the doctor kept of its garbage, and no other', async () => {
    const tmp = path.join(d.dir, 'tmp');
    mkdirSync(tmp);
    const original = readFileSync(d.gatewayConfig);
    const dir = path.dirname(d.gatewayConfig);
    const evidence = (): string[] => readdirSync(dir).filter((n) => n.startsWith('gateway.json.corrupt-'));
    // The user's own evidence from an earlier repair: not the drill's, kept.
    const userEvidence = path.join(dir, 'gateway.json.corrupt-2020-01-01T00-00-00.000Z');
    writeFileSync(userEvidence, '{"name": ');
    // A last-known-good snapshot to restore from (snapshotAfter 1s).
    await waitFor(() => existsSync(path.join(d.stateDir, 'snapshots', 'gw')) && readdirSync(path.join(d.stateDir, 'snapshots', 'gw')).some((n) => n.startsWith('last-known-good')), { timeoutMs: 20_000, intervalMs: 100 });
    // What config-corrupt does, in a real process: guard, record, truncate; then it is SIGKILLed.
    const script = `const g = await import(${JSON.stringify(dist('drill/file-guard.js'))});
      const { writeFileSync } = await import('node:fs');
      const guard = g.guardFile(${JSON.stringify(d.gatewayConfig)});
      const garbage = guard.content.subarray(0, Math.floor(guard.content.length / 2));
      g.noteDrillWrite(guard, garbage);
      writeFileSync(guard.realPath, garbage);
      console.log('wrote');
      setInterval(() => undefined, 1000);`;
    const killed = spawnMarked(NODE, ['--input-type=module', '-e', script], { env: { TMPDIR: tmp } });
    await killed.waitForStdout('wrote', 20_000);
    process.kill(killed.pid, 'SIGKILL');
    await killed.waitForExit(10_000);
    // The service dies on the garbage; the doctor restores the config and keeps the garbage beside it.
    const s = await drilledStatus<{ pid: number }>(d.stateDir);
    process.kill(s.pid, 'SIGKILL');
    await waitFor(() => readFileSync(d.gatewayConfig).equals(original) && evidence().length === 2, { timeoutMs: 40_000, intervalMs: 100 });

    const lines = recoverAbandonedGuards(tmp);
    expect(evidence()).toEqual([path.basename(userEvidence)]);
    expect(lines.join('\n')).toMatch(/removed .*gateway\.json\.corrupt-.*a drill that was killed \(pid \d+\)/);
    expect(readFileSync(d.gatewayConfig).equals(original)).toBe(true);
    expect(readdirSync(tmp).filter((n) => n.startsWith('clawback-drill-backup-'))).toEqual([]);
  }, 90_000);
});
