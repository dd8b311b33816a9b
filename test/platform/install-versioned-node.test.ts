// A node a version manager owns (nvm...) is pinned by path in the units: install says so, as nothing can once it is gone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planInstall, type PlanInput } from '../../src/platform/installer.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'clawback-home-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function input(nodePath: string, over: Partial<PlanInput> = {}): PlanInput {
  return { platform: 'linux', hasSystemd: true, home, uid: 1000, nodePath, entryPath: path.join(home, 'main.js'), configPath: path.join(home, 'clawback.yaml'), stateDir: path.join(home, '.clawback'), ...over };
}

describe('install with a node a version manager owns', () => {
  it('says the units run that exact node, which an `nvm uninstall` takes away (daemon and guardian alike)', async () => {
    // A real node binary where nvm puts it: the units run it by this path.
    const nvmNode = path.join(home, '.nvm', 'versions', 'node', 'v20.11.0', 'bin', 'node');
    await mkdir(path.dirname(nvmNode), { recursive: true });
    await copyFile(process.execPath, nvmNode);
    await writeFile(path.join(home, 'main.js'), '');
    for (const over of [{}, { hasSystemd: false }, { platform: 'darwin' as const }]) {
      const plan = planInstall(input(nvmNode, over));
      expect(JSON.stringify({ files: plan.files, crontab: plan.crontab })).toContain(nvmNode);
      const note = plan.notes.find((n) => n.includes(nvmNode));
      expect(note).toContain('node v20.11.0 of a version manager');
      expect(note).toContain('clawback install');
    }
    // What the note warns of: that version removed, the command the units run cannot start at all.
    expect(spawnSync(nvmNode, ['-e', '0']).status).toBe(0);
    await rm(path.join(home, '.nvm', 'versions', 'node', 'v20.11.0'), { recursive: true });
    expect((spawnSync(nvmNode, ['-e', '0']).error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
  });

  it('says nothing of the kind for a node outside a version manager', () => {
    for (const p of ['/usr/bin/node', '/usr/local/bin/node', '/opt/homebrew/bin/node', path.join(home, '.volta', 'bin', 'node')]) {
      expect(planInstall(input(p)).notes.some((n) => n.includes('version manager'))).toBe(false);
    }
  });
});
