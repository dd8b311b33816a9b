// A drill SIGKILLed after it changed the user's config cannot put it back itself: the next drill does, from the private backup, and never over an edit made since.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI, runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';
import { GATEWAY_JSON, startDrillDaemon, type DrillDaemon } from './drill-daemon.js';
import { recoverAbandonedGuards } from '../../src/drill/file-guard.js';

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
