// OpenClaw refuses to start on a config whose $include is circular (a -> b -> a), more than 10 levels deep, or names a
// file over 2 MiB, hard-linked or not a regular file (src/config/includes.ts). The daemon's preflight, the doctor and
// `clawback update` followed includes with one global `seen` set and said "healthy" to all of these (a cycle skipped in
// silence, level 11 never read, up to 16 MiB read): one rule (readIncludes) now names each, the preflight holds the
// start, the doctor calls the config invalid, the update's plan refuses it. A diamond (A->B->D, A->C->D) stays fine.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { preflight } from '../../src/doctor/preflight.js';
import { configFilesOf } from '../../src/update/run-update.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

let fx: DoctorFixture;
beforeEach(async () => {
  fx = await makeFixture({}, { validate: false });
});
afterEach(() => fx.cleanup());

const write = (name: string, value: unknown): Promise<void> => fs.writeFile(path.join(fx.dir, name), JSON.stringify(value));
const configFindings = async (): Promise<string[]> =>
  (await preflight(fx.service, { only: ['config'] })).map((f) => `${f.title}: ${f.evidence}`);

describe('an $include OpenClaw refuses is named by the preflight, the doctor and the update alike', () => {
  it('a circular include, named with its chain of ancestors', async () => {
    await fs.writeFile(fx.configPath, JSON.stringify({ port: 18789, agents: { $include: './a.json' } }));
    await write('a.json', { x: 1, $include: './b.json' });
    await write('b.json', { y: 1, $include: './a.json' });
    const a = path.join(fx.dir, 'a.json');
    const b = path.join(fx.dir, 'b.json');
    const chain = `circular include: ${fx.configPath} -> ${a} -> ${b} -> ${a}`;
    const found = await configFindings();
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('config file invalid');
    expect(found[0]).toContain(chain);
    const files = await configFilesOf(fx.service);
    expect(files.refused.map((p) => p.problem).join('\n')).toContain(chain);
  });

  it('an include whose name starts with two dots (..base.json) lies inside the folder, not outside it', async () => {
    await fs.writeFile(fx.configPath, JSON.stringify({ port: 18789, $include: './..base.json' }));
    await write('..base.json', { b: 1 });
    expect(await configFindings()).toEqual([]);
    const files = await configFilesOf(fx.service);
    expect(files.refused).toEqual([]);
    expect(files.included).toEqual([path.join(fx.dir, '..base.json')]);
  });

  it('a diamond (A->B->D, A->C->D) is not a cycle', async () => {
    await fs.writeFile(fx.configPath, JSON.stringify({ port: 18789, $include: ['./b.json', './c.json'] }));
    await write('b.json', { b: { $include: './d.json' } });
    await write('c.json', { c: { $include: './d.json' } });
    await write('d.json', { d: 1 });
    expect(await configFindings()).toEqual([]);
    const files = await configFilesOf(fx.service);
    expect(files.refused).toEqual([]);
    expect(files.included.map((f) => path.basename(f)).sort()).toEqual(['b.json', 'c.json', 'd.json']);
  });

  it('ten levels are read, the eleventh is refused', async () => {
    for (let i = 1; i <= 11; i++) await write(`l${i}.json`, i < 11 ? { [`l${i}`]: { $include: `./l${i + 1}.json` } } : { end: true });
    await fs.writeFile(fx.configPath, JSON.stringify({ port: 18789, $include: './l2.json' }));
    expect(await configFindings()).toEqual([]);
    await fs.writeFile(fx.configPath, JSON.stringify({ port: 18789, $include: './l1.json' }));
    const found = await configFindings();
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${path.join(fx.dir, 'l11.json')} (more than 10 levels of includes deep`);
    expect((await configFilesOf(fx.service)).refused.map((p) => p.file)).toEqual([path.join(fx.dir, 'l11.json')]);
  });

  it('an included file over 2 MiB or hard-linked fails OpenClaw\'s security checks', async () => {
    await fs.writeFile(fx.configPath, JSON.stringify({ port: 18789, a: { $include: './big.json' }, b: { $include: './linked.json' } }));
    await fs.writeFile(path.join(fx.dir, 'big.json'), `{${' '.repeat(2 * 1024 * 1024 + 10)}}`);
    await write('linked.json', { z: 1 });
    await fs.link(path.join(fx.dir, 'linked.json'), path.join(fx.dir, 'other-name.json'));
    const found = await configFindings();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/big\.json \(\d+ bytes, over 2097152, which OpenClaw refuses \(Include file failed security checks/);
    expect(found[0]).toMatch(/linked\.json \(hard-linked \(2 links\), which OpenClaw refuses/);
    const files = await configFilesOf(fx.service);
    expect(files.refused.map((p) => path.basename(p.file)).sort()).toEqual(['big.json', 'linked.json']);
  });

  it('an absolute include outside the config\'s folder holds the start (OpenClaw refuses it), yet is still read', async () => {
    const elsewhere = await fs.mkdtemp(path.join(path.dirname(fx.dir), 'outside-'));
    try {
      const other = path.join(elsewhere, 'agents.json');
      await fs.writeFile(other, JSON.stringify({ workspace: '/w' }));
      await fs.writeFile(fx.configPath, JSON.stringify({ port: 18789, agents: { $include: other } }));
      const found = await configFindings();
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`${other} (outside the config's folder ${fx.dir}`);
      const files = await configFilesOf(fx.service);
      expect(files.included).toEqual([]);
      expect(files.refused.map((p) => p.file)).toEqual([other]);
    } finally {
      await fs.rm(elsewhere, { recursive: true, force: true });
    }
  });
});
