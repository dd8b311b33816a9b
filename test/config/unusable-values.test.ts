// YAML that parses but that no config field can hold: a recursive alias crashed `validate` and `run` with a stack trace
// (exit 1) and a reload answered "Maximum call stack size exceeded"; a NUL byte in an argv or env value passed
// `validate`, and a reload replaced the running service with one that could never be spawned.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, tempDir } from '../helpers/daemon.js';

const SLEEPER = path.join(FIXTURES, 'sleeper.mjs');

describe('config values no field can hold', () => {
  it('validate: a recursive alias and a NUL byte are invalid config (exit 2) naming the field, never a crash', async () => {
    const dir = tempDir();
    const cases: Array<[string, string, string[]]> = [
      ['cycle-list.yaml', 'services: &x\n  - name: a\n    command: [sleep, "1"]\n    dependsOn: *x\n', ['services[0].dependsOn: contains itself']],
      ['cycle-scaled.yaml', 'services: [{name: a, command: [sleep, "1"], instances: 2, env: &e {A: *e}}]\n', ['services[0].env.A: contains itself']],
      [
        'nul.yaml',
        'services: [{name: a, command: ["/bin/sleep", "10\\0 00"], env: {TOKEN: "hunter\\0two42", "K\\0": v}}]\n',
        ['services[0].command[1]: contains a NUL byte', '"10\\u0000 00"', 'services[0].env.TOKEN: contains a NUL byte', 'services[0].env: the key "K\\u0000"'],
      ],
    ];
    for (const [name, text, words] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const r = await runCli(['validate', '-c', file]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at |TypeError|RangeError|circular/);
      for (const w of words) expect(r.stderr).toContain(w);
      expect(r.stderr).not.toContain('hunter');
    }
  });

  it('validate: .inf, -.inf, .nan and JSON 1e400 are named with the value and what was expected, never "Invalid input (got null)"', async () => {
    const dir = tempDir();
    const yaml = path.join(dir, 'inf.yaml');
    writeFileSync(yaml, 'services:\n  - name: a\n    command: [sleep, "1"]\n    port: .inf\n    stop: { grace: -.inf }\n    restart: { backoff: { multiplier: .nan } }\n    logs: { maxBytes: .inf }\n');
    const r = await runCli(['validate', '-c', yaml]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/Invalid input|got null|received Infinity|received NaN/);
    expect(r.stderr).toContain('services[0].port: expected a finite number; got .inf');
    expect(r.stderr).toContain('services[0].stop.grace: expected a finite number; got -.inf');
    expect(r.stderr).toContain('services[0].restart.backoff.multiplier: expected a finite number; got .nan');
    expect(r.stderr).toContain('services[0].logs.maxBytes: expected a finite number; got .inf');
    const json = path.join(dir, 'inf.json');
    writeFileSync(json, '{"services":[{"name":"a","command":["sleep","1"],"stop":{"grace":1e400}}]}');
    const j = await runCli(['validate', '--json', '-c', json]);
    expect(j.code, j.stderr).toBe(2);
    const out = JSON.parse(j.stdout) as { problems: Array<{ field: string; expected?: string; message: string }> };
    expect(out.problems).toEqual([expect.objectContaining({ field: 'services[0].stop.grace', expected: 'a finite number' })]);
    expect(out.problems[0]!.message).toContain('1e400');
  });

  it('reload: either file is refused and the running service keeps its pid', async () => {
    const td = await startTestDaemon({ api: { port: 0 }, services: [{ name: 'gw', command: [NODE, SLEEPER] }] });
    try {
      const pid = td.daemon.runtimes.get('gw')!.status().pid;
      expect(pid).toBeGreaterThan(0);
      for (const text of [
        `services: &x\n  - name: gw\n    command: [${JSON.stringify(NODE)}, ${JSON.stringify(SLEEPER)}]\n    dependsOn: *x\n`,
        `services: [{name: gw, command: [${JSON.stringify(NODE)}, ${JSON.stringify(SLEEPER)}], env: {A: "x\\0y"}}]\n`,
      ]) {
        writeFileSync(td.configFile, text);
        const r = await runCli(['reload', '--state-dir', td.stateDir]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/services\[0\]\.(dependsOn: contains itself|env\.A: contains a NUL byte)/);
        expect(td.daemon.runtimes.get('gw')!.status().pid).toBe(pid);
      }
    } finally {
      await td.stop();
    }
  }, 60_000);
});
