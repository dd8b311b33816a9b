// A drill SIGKILLed after it changed the user's config cannot put it back itself: the next drill does, from the private backup, and never over an edit made since.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { GATEWAY_JSON, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import { guardFile, noteDrillWrite, recoverAbandonedGuards } from '../../src/drill/file-guard.js';

const FILE_GUARD = fileURLToPath(new URL('../../dist/drill/file-guard.js', import.meta.url));

/** A real process guards `file`, announces and writes `bytes` over it, and ends without putting it back (as if killed). */
function drillThatDies(tmp: string, file: string, bytes: string): void {
  const script = `const g = await import(${JSON.stringify(FILE_GUARD)}); const fs = await import('node:fs');
    const guard = g.guardFile(${JSON.stringify(file)}); g.noteDrillWrite(guard, Buffer.from(${JSON.stringify(bytes)})); fs.writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(bytes)});`;
  const r = spawnSync(NODE, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

describe('the backup of a killed drill', () => {
  it('puts the bytes back when the file still holds what the drill wrote, and removes the backup', () => {
    const dir = tempDir();
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, 'the user bytes\n');
    drillThatDies(tmp, file, 'drill garbage');
    expect(readFileSync(file, 'utf8')).toBe('drill garbage');
    const lines = recoverAbandonedGuards(tmp);
    expect(lines).toEqual([expect.stringContaining(`put back ${file}`)]);
    expect(readFileSync(file, 'utf8')).toBe('the user bytes\n');
    expect(readdirSync(tmp)).toEqual([]);
    expect(recoverAbandonedGuards(tmp)).toEqual([]);
  });

  it('leaves a file edited since alone and names the backup', () => {
    const dir = tempDir();
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, 'the user bytes\n');
    drillThatDies(tmp, file, 'drill garbage');
    writeFileSync(file, 'edited by the user afterwards\n');
    const lines = recoverAbandonedGuards(tmp);
    expect(lines).toEqual([expect.stringContaining('the file has changed since, so it was left as it is')]);
    expect(readFileSync(file, 'utf8')).toBe('edited by the user afterwards\n');
    expect(readdirSync(tmp)).toHaveLength(1);
  });
});

describe('the backup of a drill killed before it wrote anything', () => {
  /** A real process guards `file` and ends without writing (killed between its guard and its fault). */
  function drillThatDiesFirst(tmp: string, file: string): void {
    const script = `const g = await import(${JSON.stringify(FILE_GUARD)}); g.guardFile(${JSON.stringify(file)});`;
    const r = spawnSync(NODE, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }

  it('is dropped without a word, whatever the file holds now: every later drill announced it, forever', () => {
    const dir = tempDir();
    const tmp = path.join(dir, 'tmp');
    mkdirSync(tmp);
    const edited = path.join(dir, 'edited', 'gateway.json');
    const gone = path.join(dir, 'gone', 'gateway.json');
    for (const f of [edited, gone]) {
      mkdirSync(path.dirname(f));
      writeFileSync(f, 'the user bytes\n');
      drillThatDiesFirst(tmp, f);
    }
    writeFileSync(edited, 'edited by the user afterwards\n');
    rmSync(path.dirname(gone), { recursive: true });
    expect(readdirSync(tmp)).toHaveLength(2);
    expect(recoverAbandonedGuards(tmp)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    expect(readFileSync(edited, 'utf8')).toBe('edited by the user afterwards\n');
    expect(existsSync(path.dirname(gone))).toBe(false);
  });

  it('so a drill that cannot record its write does not write', () => {
    const dir = tempDir();
    const file = path.join(dir, 'gateway.json');
    writeFileSync(file, 'the user bytes\n');
    const g = guardFile(file);
    rmSync(path.join(path.dirname(g.backupPath!), 'guard.json'));
    expect(() => noteDrillWrite(g, Buffer.from('drill garbage'))).toThrow(/cannot record the drill's change/);
    rmSync(path.dirname(g.backupPath!), { recursive: true, force: true });
  });
});

describe('a drill SIGKILLed during slow-start', () => {
  let d: DrillDaemon;
  beforeAll(async () => {
    d = await startDrillDaemon('gateway');
  });
  afterAll(async () => {
    await d?.stop();
  });

  it('the next drill puts the user config back (no startupDelayMs left) and says so', async () => {
    const tmp = path.join(d.dir, 'tmp');
    mkdirSync(tmp);
    const env = { TMPDIR: tmp };
    const killed = spawnMarked(NODE, [CLI, 'drill', 'slow-start', '--timeout', '40', '--yes', '--state-dir', d.stateDir], { env });
    await waitFor(() => readFileSync(d.gatewayConfig, 'utf8').includes('startupDelayMs'), { timeoutMs: 30_000, intervalMs: 20 });
    process.kill(killed.pid, 'SIGKILL');
    await killed.waitForExit(10_000);
    expect(readFileSync(d.gatewayConfig, 'utf8')).toContain('startupDelayMs');
    const r = await runCli(['drill', 'crash', '--json', '--yes', '--timeout', '40', '--state-dir', d.stateDir], { env, timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`put back ${d.gatewayConfig}`);
    expect(readFileSync(d.gatewayConfig).toString()).toBe(GATEWAY_JSON);
    expect(existsSync(tmp) && readdirSync(tmp).filter((n) => n.startsWith('clawback-drill-backup-'))).toEqual([]);
  }, 120_000);
});
