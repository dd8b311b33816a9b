// A scaled service's group name (`web` for web:0..1) where a CLI command takes a service name: `doctor web` checks every
// instance (as `scale web` and `reload web` take it), `logs web` says how to name one instance instead of claiming
// that the config has no `web`, and a mistyped name lists the known ones.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(): { dir: string; cli: (...args: string[]) => ReturnType<typeof runCli> } {
  const dir = tempDir('clawback-group-names-');
  dirs.push(dir);
  const sleeper = [NODE, path.join(FIXTURES, 'sleeper.mjs')];
  const config = path.join(dir, 'clawback.json');
  writeFileSync(config, JSON.stringify({ stateDir: path.join(dir, 'state'), services: [{ name: 'gw', command: sleeper }, { name: 'web', command: sleeper, instances: 2 }] }, null, 2));
  return { dir, cli: (...args: string[]) => runCli([...args, '--config', config], { cwd: dir }) };
}

describe('service names on the command line', () => {
  it('doctor takes a group name for all its instances and lists the known names for a mistyped one', async () => {
    const { cli } = setup();
    const group = await cli('doctor', 'web', '--json');
    expect(group.code, group.stderr).not.toBe(4);
    const report = JSON.parse(group.stdout) as { services: Array<{ service: string }> };
    expect(report.services.map((s) => s.service)).toEqual(['web:0', 'web:1']);

    const one = await cli('doctor', 'web:1', '--json');
    expect((JSON.parse(one.stdout) as { services: Array<{ service: string }> }).services.map((s) => s.service)).toEqual(['web:1']);

    const typo = await cli('doctor', 'wbe', '--json');
    expect(typo.code).toBe(4);
    // No report on stdout: only the --json error answer.
    expect(JSON.parse(typo.stdout)).toMatchObject({ ok: false, error: { kind: 'not-found', exitCode: 4 } });
    expect(typo.stderr).toContain('no service named "wbe" (known: gw, web:0, web:1)');
  }, 60_000);

  it('logs of a group name says how to name an instance; a mistyped name lists the known ones', async () => {
    const { dir, cli } = setup();
    const group = await cli('logs', 'web');
    expect(group.code).toBe(4);
    expect(group.stderr).not.toContain('no service named');
    expect(group.stderr).toContain('it runs as web:0, web:1');
    expect(group.stderr).toMatch(/name one instance, e\.g\. .*logs web:0/);

    // A log left from before web was scaled is shown, but not as its output now.
    mkdirSync(path.join(dir, 'state', 'logs'), { recursive: true });
    writeFileSync(path.join(dir, 'state', 'logs', 'web.log'), 'from before scaling\n');
    const old = await cli('logs', 'web');
    expect(old.stdout).toBe('from before scaling\n');
    expect(old.stderr).toContain('it runs as web:0, web:1');
    expect(old.stderr).toContain('written before it was scaled');

    const typo = await cli('logs', 'wbe');
    expect(typo.code).toBe(4);
    expect(typo.stderr).toContain('no service named "wbe" (known: gw, web:0, web:1)');
  }, 60_000);
});
