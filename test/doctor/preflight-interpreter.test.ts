// A script whose #! interpreter is missing passed the preflight (the script exists and is executable), then failed every
// start with spawn ENOENT and tripped the crash-loop breaker as if it had crashed, the doctor finding "no problem":
// real scripts, the real preflight and a real daemon; the preflight now names the script, its line 1 and the interpreter.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preflight } from '../../src/doctor/preflight.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

describe('preflight: a script command\'s #! interpreter', () => {
  let fx: DoctorFixture;
  let td: TestDaemon | undefined;
  beforeEach(async () => {
    fx = await makeFixture({}, { validate: false });
  });
  afterEach(async () => {
    await td?.stop();
    td = undefined;
    await fx.cleanup();
  });

  it('names a missing interpreter: the script, its line 1, the interpreter and what to do', async () => {
    const file = script(fx.dir, 'serve.py', '#!/usr/bin/nonexistent-python -u\nprint("hi")\n');
    fx.withService({ command: [file], configFile: undefined });
    const findings = await preflight(fx.service, { only: ['command'] });
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.severity).toBe('critical');
    expect(f.title).toBe(`the interpreter of "${file}" "/usr/bin/nonexistent-python" not found`);
    expect(f.evidence).toContain(`${file} line 1 "#!/usr/bin/nonexistent-python -u"`);
    expect(f.fix).toContain('install nonexistent-python');
    expect(f.fix).toContain(`change line 1 of ${file}`);
  });

  it('names a program `#!/usr/bin/env NAME` cannot find on the service PATH, and CRLF line ends', async () => {
    const viaEnv = script(fx.dir, 'serve.sh', '#!/usr/bin/env -S clawback-no-such-runtime --flag\necho hi\n');
    fx.withService({ command: [viaEnv], configFile: undefined });
    const env = await preflight(fx.service, { only: ['command'] });
    expect(env.map((f) => f.title)).toEqual([`the interpreter of "${viaEnv}" "clawback-no-such-runtime" not found`]);
    expect(env[0]!.evidence).toContain('is not on the service\'s PATH');

    const crlf = script(fx.dir, 'dos.sh', '#!/bin/sh\r\necho hi\r\n');
    fx.withService({ command: [crlf] });
    const dos = await preflight(fx.service, { only: ['command'] });
    expect(dos).toHaveLength(1);
    expect(dos[0]!.evidence).toContain('carriage return');
    expect(dos[0]!.fix).toContain(`dos2unix ${crlf}`);
  });

  it('passes scripts whose interpreter exists, binaries, and shell commands', async () => {
    const ok = script(fx.dir, 'ok.sh', '#!/bin/sh\necho hi\n');
    const okEnv = script(fx.dir, 'ok-env.sh', '#!/usr/bin/env sh\necho hi\n');
    for (const command of [[ok], [okEnv], [process.execPath, '--version']]) {
      fx.withService({ command, configFile: undefined, env: { PATH: '/usr/bin:/bin', CLAWBACK_TEST_CHILD: '1' } });
      expect(await preflight(fx.service, { only: ['command'] })).toEqual([]);
    }
    // A shell command is the shell's to run: its words are not looked into.
    fx.withService({ command: [`${path.join(fx.dir, 'serve.py')} --x`], shell: true });
    expect(await preflight(fx.service, { only: ['command'] })).toEqual([]);
  });

  it('the daemon holds such a service at the preflight, naming the interpreter, instead of tripping the crash-loop breaker', async () => {
    const dir = tempDir();
    const file = script(dir, 'serve.py', '#!/usr/bin/nonexistent-python\nprint("hi")\n');
    td = await startTestDaemon({ services: [{ name: 'py', command: [file], restart: { backoff: { initial: '50ms', max: '200ms' }, intensity: { maxRestarts: 3, window: '1m' } } }] }, { dir });
    const d = td.daemon;
    const py = (): { held?: { reason: string; detail?: string } | null; incident?: { level: number } | null } | undefined =>
      (d.status() as unknown as { services: Array<{ name: string; held?: { reason: string; detail?: string } | null; incident?: { level: number } | null }> }).services.find((s) => s.name === 'py');
    await waitFor(() => py()?.incident?.level === 4, { timeoutMs: 20_000, message: 'the service to reach Level 4' });
    expect(py()!.held?.reason).toBe('preflight');
    expect(JSON.stringify(py()!.held)).toContain('/usr/bin/nonexistent-python');
    expect(td.events.some((e) => e.type === 'breaker.tripped' && /crash-loop/.test(e.message))).toBe(false);
  }, 30_000);
});
