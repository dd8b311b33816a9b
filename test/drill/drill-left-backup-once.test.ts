// A drill that left a config alone (a person edited it since the drill wrote it) keeps the user's earlier bytes and says
// where, once: every later drill used to announce that backup again, as if a drill had just been killed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { startDrillDaemon, GATEWAY_JSON, type DrillDaemon } from './drill-daemon.js';
import { recoverAbandonedGuards } from '../../src/drill/file-guard.js';

const FILE_GUARD = fileURLToPath(new URL('../../dist/drill/file-guard.js', import.meta.url));

describe('the backup of a drill that left an edited file alone', () => {
  it('killed drill, file edited since: the next drill names the backup once, later ones say nothing, the bytes stay', () => {
    const dir = tempDir();
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, 'the user bytes\n');
    const script = `const g = await import(${JSON.stringify(FILE_GUARD)}); const fs = await import('node:fs');
      const guard = g.guardFile(${JSON.stringify(file)}); g.noteDrillWrite(guard, Buffer.from('drill garbage')); fs.writeFileSync(${JSON.stringify(file)}, 'drill garbage');`;
    const r = spawnSync(NODE, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    writeFileSync(file, 'edited by the user afterwards\n');
    expect(recoverAbandonedGuards(tmp)).toEqual([expect.stringContaining('the file has changed since, so it was left as it is')]);
    expect(recoverAbandonedGuards(tmp)).toEqual([]);
    expect(recoverAbandonedGuards(tmp)).toEqual([]);
    const [kept] = readdirSync(tmp);
    expect(readFileSync(path.join(tmp, kept!, 'gateway.json'), 'utf8')).toBe('the user bytes\n');
    expect(readFileSync(file, 'utf8')).toBe('edited by the user afterwards\n');
  });
});

describe('config-corrupt drill, a person editing the config meanwhile, then another drill', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    // Every start lasts 3 s: the window between the doctor's restore and the drill's put-back a person can edit in.
    d = await startDrillDaemon('gateway', { env: { DEMO_STARTUP_DELAY_MS: '3000' } });
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  });

  it('the second drill does not announce the first one\'s backup again', async () => {
    const first = runCli(['drill', 'config-corrupt', '--trials', '1', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    let sawGarbage = false;
    await waitFor(() => {
      const now = readFileSync(d.gatewayConfig, 'utf8');
      if (now !== GATEWAY_JSON) sawGarbage = true;
      return sawGarbage && now === GATEWAY_JSON;
    }, { timeoutMs: 60_000, intervalMs: 10 });
    const person = `${JSON.stringify({ name: 'renamed-by-a-person', host: '127.0.0.1', port: 0 }, null, 2)}\n`;
    writeFileSync(d.gatewayConfig, person);
    const r1 = await first;
    expect((JSON.parse(r1.stdout) as { trials: Array<{ notes: string[] }> }).trials[0]!.notes.join('\n')).toMatch(/changed during the drill .*left as it is/);
    const r2 = await runCli(['drill', 'crash', '--trials', '1', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { timeoutMs: 90_000 });
    expect(`${r2.stdout}\n${r2.stderr}`).not.toContain(d.gatewayConfig);
    expect(readFileSync(d.gatewayConfig, 'utf8')).toBe(person);
  }, 200_000);
});
