// Re-running install (or uninstall) over a unit someone edited by hand keeps a copy of the edit and names it; our own files are replaced quietly.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DryRunRunner } from '../../src/platform/command-runner.js';
import { applyPlan, planInstall, planUninstall, type PlanInput } from '../../src/platform/installer.js';

let home: string;

beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'clawback-home-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    platform: 'linux',
    hasSystemd: true,
    home,
    uid: 1000,
    nodePath: process.execPath,
    entryPath: path.join(home, 'dist', 'cli', 'main.js'),
    configPath: path.join(home, 'clawback.yaml'),
    stateDir: path.join(home, '.clawback'),
    ...over,
  };
}

const unit = (): string => path.join(home, '.config', 'systemd', 'user', 'clawback.service');
const copies = (): string => path.join(home, '.clawback', 'install-backups');

async function editUnit(): Promise<string> {
  const edited = (await readFile(unit(), 'utf8')).replace('[Service]', '[Service]\nMemoryMax=2G');
  await writeFile(unit(), edited);
  return edited;
}

describe('install over a unit edited by hand', () => {
  it('keeps a copy of the edited unit, names it in the output, then writes the new one', async () => {
    await applyPlan(planInstall(input()), new DryRunRunner(), { dryRun: false });
    const edited = await editUnit();

    const printed: string[] = [];
    const result = await applyPlan(planInstall(input({ systemdVersion: 255 })), new DryRunRunner(), { dryRun: false, print: (t) => printed.push(t) });
    expect(result.ok).toBe(true);
    expect(await readFile(unit(), 'utf8')).not.toContain('MemoryMax=2G');
    expect(result.keptCopies).toHaveLength(1);
    const { file, copy } = result.keptCopies[0]!;
    expect(file).toBe(unit());
    expect(path.dirname(copy)).toBe(copies());
    expect(await readFile(copy, 'utf8')).toBe(edited);
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(printed.join('')).toContain(`kept a copy of ${unit()} as ${copy}`);
    expect(printed.join('')).toContain('systemctl --user edit clawback.service');
  });

  it('replaces its own earlier unit (a new node path) without a copy, and keeps none when nothing changed', async () => {
    await applyPlan(planInstall(input()), new DryRunRunner(), { dryRun: false });
    const moved = await applyPlan(planInstall(input({ entryPath: path.join(home, 'v2', 'main.js') })), new DryRunRunner(), { dryRun: false });
    expect(moved.changedFiles.length).toBeGreaterThan(0);
    expect(moved.keptCopies).toEqual([]);
    const same = await applyPlan(planInstall(input({ entryPath: path.join(home, 'v2', 'main.js') })), new DryRunRunner(), { dryRun: false });
    expect(same.changedFiles).toEqual([]);
    expect(same.keptCopies).toEqual([]);
  });

  it('keeps a unit clawback has no record of writing (installed by an older version, or by hand)', async () => {
    await applyPlan(planInstall(input()), new DryRunRunner(), { dryRun: false });
    await rm(path.join(home, '.clawback'), { recursive: true, force: true });
    const result = await applyPlan(planInstall(input({ systemdVersion: 255 })), new DryRunRunner(), { dryRun: false });
    expect(result.keptCopies.map((k) => k.file)).toEqual([unit()]);
  });

  it('uninstall keeps a copy of an edited unit before removing it, and removes its own units without one', async () => {
    await applyPlan(planInstall(input()), new DryRunRunner(), { dryRun: false });
    const edited = await editUnit();
    const result = await applyPlan(planUninstall(input()), new DryRunRunner(), { dryRun: false });
    expect(result.ok).toBe(true);
    expect(await readdir(path.dirname(unit()))).toEqual([]);
    expect(result.keptCopies.map((k) => k.file)).toEqual([unit()]);
    expect(await readFile(result.keptCopies[0]!.copy, 'utf8')).toBe(edited);
  });
});
