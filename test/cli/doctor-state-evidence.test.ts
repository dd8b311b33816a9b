// The daemon sets its own broken files aside as evidence (a truncated state.json as state.json.corrupt-*, a directory in
// daemon.lock's place as daemon.lock.not-a-file-*, an unreadable alert as outbox/<channel>/<alert>.corrupt), but
// `clawback doctor` (no --fix) said only "healthy": the person running it never read how many there were, nor where.
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';

const dirs: string[] = [];
let d: TestDaemon | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('clawback doctor and the state dir\'s own evidence', () => {
  it('counts and names the copies the daemon set aside, in text and in --json', async () => {
    const dir = tempDir('clawback-doctor-evidence-');
    dirs.push(dir);
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'state.json'), '{"version":1,"services":{"web":{"pha'); // truncated
    mkdirSync(path.join(stateDir, 'daemon.lock')); // a directory where the lock file should be
    d = await startTestDaemon({ stateDir, services: [{ name: 'web', command: [NODE, '-e', 'setInterval(() => {}, 1000)'] }] }, { dir });
    await d.stop();
    d = undefined;
    const kept = readdirSync(stateDir).filter((n) => /\.(corrupt|not-a-file)-/.test(n)).sort();
    expect(kept.map((n) => n.replace(/-\d.*$/, ''))).toEqual(['daemon.lock.not-a-file', 'state.json.corrupt']);
    // An alert the outbox could not read, as the outbox keeps it.
    mkdirSync(path.join(stateDir, 'outbox', 'chat'), { recursive: true });
    writeFileSync(path.join(stateDir, 'outbox', 'chat', '1-a.json.corrupt'), '{');
    // A link out of the state dir is never listed through.
    mkdirSync(path.join(dir, 'outside'));
    writeFileSync(path.join(dir, 'outside', 'x.corrupt'), '');
    symlinkSync(path.join(dir, 'outside'), path.join(stateDir, 'outbox', 'elsewhere'));

    const text = await runCli(['doctor', '--config', path.join(dir, 'clawback.yaml'), '--state-dir', stateDir], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`state dir ${stateDir} keeps 3 evidence copies`);
    for (const n of kept) expect(text.stdout).toContain(n);
    expect(text.stdout).toContain(path.join('outbox', 'chat', '1-a.json.corrupt'));
    expect(text.stdout).not.toContain('x.corrupt');

    const json = await runCli(['doctor', '--json', '--config', path.join(dir, 'clawback.yaml'), '--state-dir', stateDir], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as { stateEvidence?: { dir: string; count: number; files: string[] } };
    expect(out.stateEvidence?.dir).toBe(stateDir);
    expect(out.stateEvidence?.count).toBe(3);
    expect([...(out.stateEvidence?.files ?? [])].sort()).toEqual([...kept.map((n) => path.join(stateDir, n)), path.join(stateDir, 'outbox', 'chat', '1-a.json.corrupt')].sort());
  }, 60_000);
});
