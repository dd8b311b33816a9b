// A JSON pid file ({"createdAt":"2026-...","pid":N}) names its owner in `pid`: its first number (a year) is not the owner.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { stalePidfileRule, ownerPid } from '../../src/doctor/rule-stale-pidfile.js';
import { spawnMarked, type MarkedChild } from '../helpers/processes.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

describe('stale-pidfile rule with a JSON pid file', () => {
  let fx: DoctorFixture;
  let live: MarkedChild | undefined;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(async () => {
    if (live) {
      live.kill();
      await live.waitForExit(5000);
      live = undefined;
    }
    await fx.cleanup();
  });

  it('keeps the live owner\'s file whose first number is a year, and removes one whose `pid` is gone', { timeout: 30_000 }, async () => {
    const dead = spawnMarked(process.execPath, [path.join(FIXTURES, 'exit-with.mjs'), '0', '0']);
    await dead.waitForExit(10_000);
    live = spawnMarked(process.execPath, [path.join(FIXTURES, 'sleeper.mjs')]);
    await live.waitForStdout('ready', 10_000);
    const alive = path.join(fx.dir, 'gateway.pid');
    const stale = path.join(fx.dir, 'old.pid');
    const liveText = `{"createdAt":"2026-12-04T12:00:00.000Z","pid":${live.pid},"port":18789}\n`;
    await fs.writeFile(alive, liveText);
    await fs.writeFile(stale, `{"version":1,"pid":${dead.pid}}\n`);
    fx.withService({ pidFiles: [alive, stale] });

    const report = await runDoctor(fx.ctx(), { fix: true, rules: [stalePidfileRule()] });
    expect(report.findings.map((f) => f.id)).toEqual([`stale-pidfile:${stale}`]);
    expect(report.findings[0]!.evidence).toContain(`pid ${dead.pid}`);
    expect(await fs.readFile(alive, 'utf8')).toBe(liveText);
    await expect(fs.access(stale)).rejects.toThrow();
  });

  it('ownerPid reads `pid` of a JSON object, and nothing from one without it', () => {
    expect(ownerPid('{"createdAt":"2026-12-04T12:00:00Z","pid":4242}')).toBe(4242);
    expect(ownerPid('{"pid":"4242"}')).toBe(4242);
    expect(ownerPid('{"createdAt":"2026-12-04T12:00:00Z"}')).toBeUndefined();
    expect(ownerPid('pid: 1234 started 99')).toBe(1234);
  });
});
