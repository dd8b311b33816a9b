// `clawback init --force` over a person's clawback.yaml threw their edits away (no copy anywhere) and replaced a
// symlinked clawback.yaml with a regular file (the link's target kept the old text, the link was gone).
import { chownSync, chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const isRoot = process.getuid?.() === 0;

async function init(cwd: string, ...flags: string[]) {
  return runCli(['init', '--preset', 'generic', '--command', 'node server.js', '--name', 'svc', ...flags], { cwd, env: { HOME: cwd, CLAWBACK_CONFIG: '', CLAWBACK_STATE_DIR: '' } });
}

describe('clawback init over an existing clawback.yaml', () => {
  it('without --force: refused, the file untouched', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'clawback-init-keep-'));
    writeFileSync(path.join(cwd, 'clawback.yaml'), '# mine\n');
    const r = await init(cwd);
    expect(r.code).toBe(1);
    expect(readFileSync(path.join(cwd, 'clawback.yaml'), 'utf8')).toBe('# mine\n');
  }, 30_000);

  it('with --force: the old file is kept beside (its bytes, its mode), and the user is told where', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'clawback-init-keep-'));
    const file = path.join(cwd, 'clawback.yaml');
    writeFileSync(file, '# my hand edits\nservices: []\n');
    chmodSync(file, 0o640);
    if (isRoot) chownSync(file, 1234, 1235);
    const r = await init(cwd, '--force');
    expect(r.code).toBe(0);
    const kept = readdirSync(cwd).filter((n) => n.startsWith('clawback.yaml.before-init-'));
    expect(kept).toHaveLength(1);
    const keptPath = path.join(cwd, kept[0]!);
    expect(readFileSync(keptPath, 'utf8')).toBe('# my hand edits\nservices: []\n');
    expect(r.stdout).toContain(`kept the file it replaced as ${keptPath}`);
    expect(readFileSync(file, 'utf8')).toContain('- server.js');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(statSync(keptPath).mode & 0o777).toBe(0o640);
    if (isRoot) expect([statSync(file).uid, statSync(file).gid]).toEqual([1234, 1235]);
  }, 30_000);

  it('with --force on a symlinked clawback.yaml: the link stays a link and its target gets the new text', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'clawback-init-keep-'));
    const elsewhere = path.join(cwd, 'dotfiles');
    mkdirSync(elsewhere);
    const target = path.join(elsewhere, 'clawback.yaml');
    writeFileSync(target, '# from my dotfiles\n');
    const link = path.join(cwd, 'clawback.yaml');
    symlinkSync('dotfiles/clawback.yaml', link);
    const r = await init(cwd, '--force');
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('- server.js');
    const kept = readdirSync(elsewhere).filter((n) => n.startsWith('clawback.yaml.before-init-'));
    expect(kept.map((n) => readFileSync(path.join(elsewhere, n), 'utf8'))).toEqual(['# from my dotfiles\n']);
  }, 30_000);
});
