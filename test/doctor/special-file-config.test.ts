import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { checkConfigFile } from '../../src/doctor/config-validity.js';
import { maybeRecordLastKnownGood } from '../../src/doctor/last-known-good.js';
import { readPortDrift } from '../../src/doctor/port-drift.js';
import { readIncludes } from '../../src/platform/config-includes.js';
import { readCurrent } from '../../src/doctor/safe-user-write.js';
import { learnConfigFileSecrets } from '../../src/observe/config-file-secrets.js';
import { spawnRunner } from '../../src/doctor/command-runner.js';
import { makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';
import { makeSpecial, releaseFifoReaders, within, type SpecialKind } from '../helpers/special-files.js';

// A deploy tool's bug puts a FIFO (or a link to one, a directory, a 2 GiB file) where the service's config was. Every
// reader used to open it with fs.readFile: open() of a FIFO waits for a writer forever on one of libuv's four threads.
describe('a special file in place of the service config', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(async () => {
    releaseFifoReaders(fx.configPath);
    releaseFifoReaders(`${fx.configPath}.fifo`);
    await fx.cleanup();
  });

  const kinds: Array<[SpecialKind, string]> = [
    ['fifo', 'a FIFO'],
    ['link-to-fifo', 'a FIFO'],
    ['directory', 'a directory'],
    ['sparse-2gib', 'a file of 2147483648 bytes (over 16777216)'],
  ];
  for (const [kind, found] of kinds) {
    it(`${kind}: the doctor names it, writes nothing and leaves it as evidence`, async () => {
      await recordGood(fx);
      await fs.rm(fx.configPath);
      await makeSpecial(kind, fx.configPath);
      const before = await fs.lstat(fx.configPath);
      const report = await within(20_000, `doctor --fix over ${kind}`, runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] }));
      expect(report.findings.map((f) => f.rule)).toEqual(['config-restore']);
      expect(report.findings[0]!.evidence).toContain(fx.configPath);
      // It is not missing, and replacing what someone put there is not the doctor's call, even with a good copy at hand.
      expect(report.findings[0]).toMatchObject({ title: `config path is ${found}, not a config file`, fixable: false });
      expect(report.findings[0]!.fix).toContain('leaves it as it is');
      expect(report.outcomes).toEqual([]);
      expect(report.exitCode).toBe(2);
      const after = await fs.lstat(fx.configPath);
      expect([after.ino, after.mode, after.size]).toEqual([before.ino, before.mode, before.size]);
      expect((await fs.readdir(fx.dir)).filter((n) => n.includes('.corrupt-'))).toEqual([]);
    });
  }

  it('a fix asked for anyway (a finding from before the FIFO appeared) writes nothing and says what it found', async () => {
    await recordGood(fx);
    await fs.rm(fx.configPath);
    const stale = { id: `config-restore:${fx.configPath}`, rule: 'config-restore', severity: 'critical' as const, title: 'config file missing', evidence: '', fixable: true };
    await makeSpecial('fifo', fx.configPath);
    const out = await within(20_000, 'fix over a FIFO', configRestoreRule().fix(fx.ctx(), stale));
    expect(out).toMatchObject({ applied: false, verified: false });
    expect(out.message).toContain('is a FIFO in place of the config file; nothing written');
    expect((await fs.lstat(fx.configPath)).isFIFO()).toBe(true);
  });

  it('every other reader of the config answers at once and names what it found', async () => {
    await recordGood(fx);
    await fs.rm(fx.configPath);
    await makeSpecial('fifo', fx.configPath);
    fx.withService({ port: 18789, configFile: { ...fx.service.configFile, portPath: 'port' } });
    const check = await within(5000, 'checkConfigFile', checkConfigFile(fx.service, spawnRunner()));
    expect(check).toMatchObject({ state: 'missing', error: `${fx.configPath} is a FIFO, not a regular file: not read` });
    expect(await within(5000, 'readCurrent', readCurrent(fx.configPath))).toEqual({ realPath: fx.configPath, notAFile: 'a FIFO' });
    const lkg = await within(5000, 'maybeRecordLastKnownGood', maybeRecordLastKnownGood(fx.ctx(), { healthySince: 0, now: Date.now() }));
    expect(lkg.recorded).toBe(false);
    expect(await within(5000, 'readPortDrift', readPortDrift(fx.service))).toBeUndefined();
    const learned: string[] = [];
    await within(5000, 'learnConfigFileSecrets', learnConfigFileSecrets(fx.service, { addSecretSetting: (k) => learned.push(k) }));
    expect(learned).toEqual([]);
  });

  it('an $include that is a FIFO is a named problem, not a wait', async () => {
    const inc = path.join(fx.dir, 'part.json5');
    await makeSpecial('fifo', inc);
    try {
      const r = await within(5000, 'readIncludes', readIncludes(fx.configPath, { $include: './part.json5' }, 'json'));
      expect(r.problems).toEqual([{ file: inc, problem: `unreadable: ${inc} is a FIFO, not a regular file: not read` }]);
    } finally {
      releaseFifoReaders(inc);
    }
  });
});
