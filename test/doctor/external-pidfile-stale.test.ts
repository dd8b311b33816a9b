// The pid file another manager keeps for an external service: the daemon said it was stale, `clawback doctor` found
// nothing. A dead owner is a stale pid file (removed with a copy kept); a pid reused by a younger process is said, never fixed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { stalePidfileRule } from '../../src/doctor/rule-stale-pidfile.js';
import { lockEvidenceDir } from '../../src/doctor/rule-stale-lock.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe("stale-pidfile rule on an external service's pid file", () => {
  let fx: DoctorFixture;
  const children: MarkedChild[] = [];
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill();
      await c.waitForExit(5000).catch(() => undefined);
    }
    await fx.cleanup();
  });

  it('a dead owner: found, removed by --fix with a copy kept', { timeout: 30_000 }, async () => {
    const dead = spawnMarked(process.execPath, [path.join(FIXTURES, 'exit-with.mjs'), '0', '0']);
    await dead.waitForExit(10_000);
    const file = path.join(fx.dir, 'ext.pid');
    await fs.writeFile(file, `${dead.pid}\n`);
    fx.withService({ external: { pidFile: file, restartCommand: ['true'] } });
    const ctx = fx.ctx();
    const found = await stalePidfileRule().detect(ctx);
    expect(found).toEqual([expect.objectContaining({ id: `stale-pidfile:${file}`, fixable: true })]);
    const report = await runDoctor(ctx, { fix: true, rules: [stalePidfileRule()] });
    expect(report.outcomes.find((o) => o.finding.id === `stale-pidfile:${file}`)).toMatchObject({ applied: true, verified: true });
    await expect(fs.access(file)).rejects.toThrow();
    expect(await fs.readdir(lockEvidenceDir(ctx.stateDir, ctx.service.name))).toHaveLength(1);
  });

  it('a pid taken by a process younger than the file: said (not fixable), the file and the process left alone', { timeout: 30_000 }, async () => {
    const file = path.join(fx.dir, 'ext.pid');
    const stranger = spawnMarked(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
    children.push(stranger);
    await stranger.waitForStdout('ready');
    await fs.writeFile(file, `${stranger.pid}\n`);
    // Written an hour before the process holding that pid started: its writer died and the pid was reused.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(file, anHourAgo, anHourAgo);
    fx.withService({ external: { pidFile: file, restartCommand: ['true'] } });
    const found = await stalePidfileRule().detect(fx.ctx());
    expect(found).toEqual([expect.objectContaining({ id: `stale-pidfile:${file}`, fixable: false, title: 'stale pid file (pid reused)' })]);
    expect(found[0]!.evidence).toContain(`names pid ${stranger.pid}, held by a process that started after the file was written`);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [stalePidfileRule()] });
    expect(report.outcomes.filter((o) => o.applied)).toEqual([]);
    expect(await fs.readFile(file, 'utf8')).toBe(`${stranger.pid}\n`);
    expect(stranger.exitInfo()).toBeUndefined();
  });

  it('a live owner that wrote the file after it started: nothing to say', { timeout: 30_000 }, async () => {
    const file = path.join(fx.dir, 'ext.pid');
    const owner = spawnMarked(process.execPath, ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"]);
    children.push(owner);
    await owner.waitForStdout('ready');
    await fs.writeFile(file, `${owner.pid}\n`);
    fx.withService({ external: { pidFile: file, restartCommand: ['true'] } });
    expect(await stalePidfileRule().detect(fx.ctx())).toEqual([]);
  });
});
