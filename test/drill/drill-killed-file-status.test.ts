// A drill SIGKILLed mid-fault (slow-start, config-corrupt) leaves the service's config as the drill wrote it until the
// next drill; the service runs on it and the daemon snapshots it as last-known-good. `clawback status` said nothing.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { NODE } from '../helpers/daemon.js';
import { spawnMarked } from '../helpers/processes.js';
import { drillDaemonPerFile } from './drill-daemon.js';
import { recoverAbandonedGuards } from '../../src/drill/file-guard.js';
import { abandonedDrillChanges } from '../../src/drill/drill-leftovers.js';

const dist = (p: string): string => fileURLToPath(new URL(`../../dist/${p}`, import.meta.url));

describe('a drill SIGKILLed after it changed the service config', () => {
  const d = drillDaemonPerFile('gateway');

  it('clawback status says which file it left changed and where the bytes are, until they are put back', async () => {
    const tmp = path.join(d.dir, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp };
    const original = readFileSync(d.gatewayConfig);
    // What slow-start does, in a real process: guard the file, record the write, write, and then it is SIGKILLed.
    const script = `const g = await import(${JSON.stringify(dist('drill/file-guard.js'))});
      const { writeFileSync } = await import('node:fs');
      const guard = g.guardFile(${JSON.stringify(d.gatewayConfig)});
      const slow = Buffer.from(JSON.stringify({ ...JSON.parse(guard.content.toString()), startupDelayMs: 2500 }, null, 2) + '\\n');
      g.noteDrillWrite(guard, slow);
      writeFileSync(guard.realPath, slow);
      console.log('wrote');
      setInterval(() => undefined, 1000);`;
    const killed = spawnMarked(NODE, ['--input-type=module', '-e', script], { env });
    await killed.waitForStdout('wrote', 20_000);
    process.kill(killed.pid, 'SIGKILL');
    await killed.waitForExit(10_000);
    expect(readFileSync(d.gatewayConfig, 'utf8')).toContain('startupDelayMs');

    const r = await runCli(['status', '--state-dir', d.stateDir], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`DRILL LEFT A FILE CHANGED: ${d.gatewayConfig} still holds what a drill killed mid-fault (pid ${killed.pid}) wrote there`);
    const [change] = await abandonedDrillChanges(tmp);
    expect(readFileSync(change!.backup).equals(original)).toBe(true);
    expect(r.stdout).toContain(change!.backup);

    // Once put back (what the next drill does first), status has nothing to say.
    recoverAbandonedGuards(tmp);
    expect(readFileSync(d.gatewayConfig).equals(original)).toBe(true);
    expect((await runCli(['status', '--state-dir', d.stateDir], { env })).stdout).not.toContain('DRILL LEFT');
  }, 90_000);
});
