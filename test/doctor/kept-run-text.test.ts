// A kept service doctor run: `openclaw doctor --fix` 2026.9.6 rewrites a commented JSON5 config as plain JSON and switches
// off every skill it finds unusable here (the user's own `github: { enabled: true }` too). Measured on the real CLI.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import JSON5 from 'json5';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { serviceDoctorRule } from '../../src/doctor/rule-service-doctor.js';
import { rebaseOntoOriginal, switchedOff } from '../../src/doctor/kept-run-text.js';
import { makeFixture, type DoctorFixture } from './doctor-fixtures.js';

/** The user's file (JSON5, comments) and what the real doctor wrote in its place (cut to three of its 30 skills). */
const USER = `// my gateway, hand-written
{
  gateway: { mode: 'local', bind: 'loopback', port: 28789, auth: { mode: 'token', token: 'tok-abc123' } }, // keep
  update: { checkOnStart: false },
  // my skills
  skills: { entries: { weather: { enabled: true }, github: { enabled: true } } },
  legacy: { old: 1 },
}
`;
const DOCTORS = `${JSON.stringify(
  {
    gateway: { mode: 'local', bind: 'loopback', port: 28789, auth: { mode: 'token', token: 'tok-abc123' } },
    update: { checkOnStart: false },
    skills: { entries: { weather: { enabled: true }, github: { enabled: false }, '1password': { enabled: false }, 'gh-issues': { enabled: false } } },
    agents: { entries: { main: {} } },
    meta: { migrations: { modelPolicyAllowlist: true }, lastTouchedVersion: '2026.9.6' },
  },
  null,
  2,
)}\n`;

describe('a kept service doctor run', () => {
  let fx: DoctorFixture;
  beforeEach(async () => {
    fx = await makeFixture();
  });
  afterEach(() => fx.cleanup());

  it("rebaseOntoOriginal: the doctor's settings on the user's own text, comments kept, parsing to exactly the doctor's result", () => {
    const out = rebaseOntoOriginal(USER, JSON5.parse(USER), JSON5.parse(DOCTORS), 'json5');
    expect(out).toBeDefined();
    expect(out).toContain('// my gateway, hand-written');
    expect(out).toContain('// my skills');
    expect(out).toContain('// keep');
    expect(out).not.toContain('legacy');
    expect(JSON5.parse(out!)).toEqual(JSON5.parse(DOCTORS));
  });

  it('switchedOff names what the run switched off, the user\'s own enabled setting first', () => {
    expect(switchedOff(JSON5.parse(USER), JSON5.parse(DOCTORS))).toBe('switched off 3 setting(s): skills.entries.github (enabled in your config), skills.entries.1password, skills.entries.gh-issues');
    expect(switchedOff(JSON5.parse(USER), JSON5.parse(USER))).toBe('');
  });

  it('the file left by a kept run is the user\'s text with the doctor\'s changes, and the outcome says what it switched off and where the original is', async () => {
    const json5Path = createRequire(import.meta.url).resolve('json5');
    // A JSON5 validator of the config named by OPENCLAW_CONFIG_PATH-like argv: an integer gateway.port.
    const validator = await fx.script('validate.cjs', `const c = require(${JSON.stringify(json5Path)}).parse(require('fs').readFileSync(process.argv[2], 'utf8')); if (!Number.isInteger(c.gateway?.port)) process.exit(1);\n`);
    // The doctor writes its result whole, as plain JSON, the way openclaw's does.
    const doctor = await fx.script('doctor.cjs', `require('fs').writeFileSync(process.argv[2], ${JSON.stringify(DOCTORS)});\n`);
    await fs.writeFile(fx.configPath, USER);
    fx.withService({
      configFile: { path: fx.configPath, format: 'json5', backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'] },
      doctor: { command: [process.execPath, doctor, fx.configPath] },
    });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
    const out = report.outcomes[0]!;
    expect(out).toMatchObject({ applied: true, verified: true });
    const text = await fs.readFile(fx.configPath, 'utf8');
    expect(text).toContain('// my gateway, hand-written');
    expect(text).toContain('// my skills');
    expect(JSON5.parse(text)).toEqual(JSON5.parse(DOCTORS));
    expect(out.message).toContain('put onto your own text');
    expect(out.message).toMatch(/switched off 3 setting\(s\): skills\.entries\.github \(enabled in your config\)/);
    expect(out.message).toMatch(/the original is snapshot \S+ \(.*snapshots.*\)/);
  });

  it('a kept run that wrote by rename (its umask, 0644) leaves a 0600 config of tokens 0600, plain JSON or rebased JSON5', async () => {
    const json5Path = createRequire(import.meta.url).resolve('json5');
    const validator = await fx.script('validate.cjs', `const c = require(${JSON.stringify(json5Path)}).parse(require('fs').readFileSync(process.argv[2], 'utf8')); if (!Number.isInteger(c.gateway?.port)) process.exit(1);\n`);
    // Writes its result to a temp file and renames it over the config, as many tools do: the mode is its umask's.
    const doctor = await fx.script('doctor.cjs', `const fs = require('fs'); fs.writeFileSync(process.argv[2] + '.tmp', ${JSON.stringify(DOCTORS)}, { mode: 0o644 }); fs.chmodSync(process.argv[2] + '.tmp', 0o644); fs.renameSync(process.argv[2] + '.tmp', process.argv[2]);\n`);
    for (const [format, text] of [['json5', USER], ['json', `${JSON.stringify(JSON5.parse(USER))}\n`]] as const) {
      await fs.writeFile(fx.configPath, text);
      await fs.chmod(fx.configPath, 0o600);
      fx.withService({
        configFile: { path: fx.configPath, format, backupGlobs: [], validateCommand: [process.execPath, validator, '{file}'] },
        doctor: { command: [process.execPath, doctor, fx.configPath] },
      });
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [serviceDoctorRule({ always: true })] });
      const out = report.outcomes[0]!;
      expect(out).toMatchObject({ applied: true, verified: true });
      expect(JSON5.parse(await fs.readFile(fx.configPath, 'utf8'))).toEqual(JSON5.parse(DOCTORS));
      expect(((await fs.stat(fx.configPath)).mode & 0o777).toString(8)).toBe('600');
      expect(out.message).toContain('set back to 600');
    }
  });
});
