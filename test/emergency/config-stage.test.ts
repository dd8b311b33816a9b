// The config's working copy for directory-granted agents: applied only over the bytes it was made from.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyStage, stageConfig, stageEdited } from '../../src/emergency/config-stage.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function setup(): Promise<{ real: string; link: string; stageDir: string }> {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-stage-'));
  const real = path.join(dir, 'dotfiles', 'openclaw.json');
  await fs.mkdir(path.dirname(real));
  await fs.writeFile(real, '{"port":"oops"}\n', { mode: 0o640 });
  await fs.chmod(real, 0o640);
  const link = path.join(dir, 'openclaw.json');
  await fs.symlink(real, link);
  return { real, link, stageDir: path.join(dir, 'incident', 'config-edit') };
}

describe('config stage', () => {
  it('an edited copy is written through the link to its target, with the target\'s mode; the link stays a link', async () => {
    const { real, link, stageDir } = await setup();
    const stage = (await stageConfig(link, stageDir))!;
    expect((await fs.stat(stageDir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(stage.copyPath)).mode & 0o777).toBe(0o600);
    expect(await stageEdited(stage)).toBe(false);
    expect(await applyStage(stage)).toEqual({ kind: 'unchanged' });
    await fs.writeFile(stage.copyPath, '{"port":18789}\n');
    expect(await stageEdited(stage)).toBe(true);
    expect(await applyStage(stage)).toEqual({ kind: 'applied' });
    expect(await fs.readFile(real, 'utf8')).toBe('{"port":18789}\n');
    expect((await fs.lstat(link)).isSymbolicLink()).toBe(true);
    expect((await fs.stat(real)).mode & 0o777).toBe(0o640);
  });

  it('a config that changed during the run is not overwritten (conflict); a deleted copy deletes nothing', async () => {
    const { real, link, stageDir } = await setup();
    const stage = (await stageConfig(link, stageDir))!;
    await fs.writeFile(stage.copyPath, '{"port":18789}\n');
    await fs.writeFile(real, '{"port":"oops","edited":"by a person"}\n');
    expect(await applyStage(stage)).toEqual({ kind: 'conflict' });
    expect(await fs.readFile(real, 'utf8')).toBe('{"port":"oops","edited":"by a person"}\n');
    await fs.rm(stage.copyPath);
    expect(await applyStage(stage)).toEqual({ kind: 'removed' });
    expect(await fs.readFile(real, 'utf8')).toContain('by a person');
  });

  it('a config with a second name (a hard link) is not replaced by the edit: refused with the reason, both names untouched', async () => {
    const { real, link, stageDir } = await setup();
    const other = path.join(dir!, 'dotfiles', 'openclaw.json.shared');
    await fs.link(real, other);
    const stage = (await stageConfig(link, stageDir))!;
    await fs.writeFile(stage.copyPath, '{"port":18789}\n');
    await expect(applyStage(stage)).rejects.toThrow(`${real} has 2 hard links`);
    const [a, b] = await Promise.all([fs.stat(real), fs.stat(other)]);
    expect(a.ino).toBe(b.ino);
    expect(await fs.readFile(other, 'utf8')).toBe('{"port":"oops"}\n');
  });

  it('an unreadable config gets no copy', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-stage-'));
    expect(await stageConfig(path.join(dir, 'missing.json'), path.join(dir, 'stage'))).toBeUndefined();
  });
});
