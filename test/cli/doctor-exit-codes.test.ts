// `clawback doctor` outcomes are 0 healthy, 1 all fixed, 2 findings left; a run that could not reach an outcome (a bug,
// an OS refusal, an invalid config, a typo) must never end with 1 or 2, or a script reads a crash as "fixed".
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(services: unknown[]): { dir: string; config: string } {
  const dir = tempDir('clawback-doctor-exit-');
  dirs.push(dir);
  const config = path.join(dir, 'clawback.json');
  writeFileSync(config, JSON.stringify({ stateDir: path.join(dir, 'state'), services }, null, 2));
  return { dir, config };
}

const SLEEPER = [NODE, '-e', 'setInterval(() => {}, 1000)'];

describe('clawback doctor exit codes', () => {
  it('outcomes keep their documented codes: 0 healthy, 2 findings left', async () => {
    const healthy = setup([{ name: 'web', command: SLEEPER }]);
    expect((await runCli(['doctor', '--config', healthy.config], { cwd: healthy.dir })).code).toBe(0);
    const left = setup([{ name: 'web', command: SLEEPER, cwd: '/nonexistent/clawback-doctor-exit' }]);
    const r = await runCli(['doctor', '--config', left.config], { cwd: left.dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('cwd does not exist');
  }, 60_000);

  it('an invalid config is 78, an OS refusal 70, a usage error 64: never 1 ("all fixed") or 2 ("findings left")', async () => {
    const { dir, config } = setup([{ name: 'web', command: 42 }]);
    const invalid = await runCli(['doctor', '--config', config], { cwd: dir });
    expect(invalid.code, invalid.stderr).toBe(78);
    expect(invalid.stderr).toContain('services[0].command');

    const ok = setup([{ name: 'web', command: SLEEPER }]);
    const aFile = path.join(ok.dir, 'a-file');
    writeFileSync(aFile, '');
    const refused = await runCli(['doctor', '--fix', '--config', ok.config, '--state-dir', path.join(aFile, 'state')], { cwd: ok.dir });
    expect(refused.code, refused.stderr).toBe(70);
    expect(refused.stderr).toContain('ENOTDIR');

    const typo = await runCli(['doctor', '--fixx', '--config', ok.config], { cwd: ok.dir });
    expect(typo.code, typo.stderr).toBe(64);
    expect(typo.stderr).toContain("unknown option '--fixx'");
  }, 60_000);

  it('an uncaught error in the middle of a run (here: while the validator runs) is 70, not Node\'s 1', async () => {
    const { dir } = setup([]);
    const started = path.join(dir, 'validator-started');
    const svcConfig = path.join(dir, 'svc.json');
    writeFileSync(svcConfig, '{"a": 1}\n');
    // The validator says when it runs, then takes 3 s; the preload throws from a timer once it has started.
    const validator = [NODE, '-e', `require('fs').writeFileSync(${JSON.stringify(started)}, ''); setTimeout(() => {}, 3000)`];
    const config = path.join(dir, 'clawback.json');
    writeFileSync(config, JSON.stringify({ stateDir: path.join(dir, 'state'), services: [{ name: 'web', command: SLEEPER, configFile: { path: svcConfig, validateCommand: validator } }] }));
    const preload = path.join(dir, 'throw-later.mjs');
    writeFileSync(
      preload,
      `import { existsSync } from 'node:fs';\nconst t = setInterval(() => { if (existsSync(${JSON.stringify(started)})) { clearInterval(t); throw new Error('boom: a bug in the middle of the run'); } }, 20);\nt.unref();\n`,
    );
    const r = await runCli(['doctor', '--config', config], { cwd: dir, env: { NODE_OPTIONS: `--import ${preload}` } });
    expect(r.stderr).toContain('boom: a bug in the middle of the run');
    expect(r.code, r.stderr).toBe(70);
  }, 60_000);
});
