// A config split with `$include`: a broken included file is named as the fault, and a repair never replaces the main
// file with a copy that drops the split (an older, inline copy would silently undo every edit made in the includes).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { includeDirectives, includeProblems } from '../../src/doctor/config-includes.js';
import { makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

/** Resolves top-level `{ $include: "<file>" }` sections like OpenClaw, then wants an integer port. */
const INCLUDE_VALIDATOR = `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
const JSON5 = createRequire(${JSON.stringify(path.resolve('package.json'))})('json5');
const file = process.argv[2];
const cfg = JSON5.parse(readFileSync(file, 'utf8'));
for (const [k, v] of Object.entries(cfg)) {
  if (v && typeof v === 'object' && typeof v.$include === 'string') {
    try { cfg[k] = JSON5.parse(readFileSync(path.resolve(path.dirname(file), v.$include), 'utf8')); }
    catch (e) { process.stderr.write('Failed to parse include file: ' + v.$include + '\\n'); process.exit(1); }
  }
}
if (!Number.isInteger(cfg.port)) { process.stderr.write('port must be an integer\\n'); process.exit(1); }
`;

const INLINE = '{ port: 18789, agents: { workspace: "/old" } }\n';
const SPLIT = '{\n  // agents live in their own file\n  port: 18789,\n  agents: { $include: "./agents.json5" },\n}\n';

describe('includeDirectives / includeProblems', () => {
  it('lists directives by place and finds missing and unparseable included files, nested ones too', async () => {
    expect(includeDirectives({ a: { $include: './a.json5' }, b: { c: { $include: ['./x', './y'] } } })).toEqual(['a="./a.json5"', 'b.c=["./x","./y"]']);
    const fx = await makeFixture();
    try {
      await fs.writeFile(path.join(fx.dir, 'a.json5'), '{ inner: { $include: "./deep.json5" } }');
      await fs.writeFile(path.join(fx.dir, 'deep.json5'), '{ broken: ');
      const found = await includeProblems(fx.configPath, { a: { $include: './a.json5' }, m: { $include: './missing.json5' } }, 'json5');
      expect(found.map((p) => [path.basename(p.file), p.problem.split(':')[0]])).toEqual([
        ['missing.json5', 'missing'],
        ['deep.json5', 'unparseable'],
      ]);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('config-restore with a split config', () => {
  let fx: DoctorFixture;
  let agents: string;
  beforeEach(async () => {
    fx = await makeFixture();
    const validator = await fx.script('validate-include.mjs', INCLUDE_VALIDATOR);
    fx.withService({ configFile: { ...fx.service.configFile!, format: 'json5', validateCommand: [process.execPath, validator, '{file}'] } });
    agents = path.join(fx.dir, 'agents.json5');
    await fs.writeFile(agents, '{ workspace: "/new" }\n');
    await fs.writeFile(fx.configPath, SPLIT);
  });
  afterEach(() => fx.cleanup());

  it('a broken included file: named as the fault; the main file is not swapped for an older inline copy', async () => {
    await recordGood(fx, INLINE); // seen healthy before the user split the config
    await fs.writeFile(agents, '{ workspace: "/new", '); // the included file is truncated
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.findings[0]!.evidence).toContain(`the fault is in an included file: ${agents} (unparseable`);
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(SPLIT);
    expect(report.outcomes[0]!.message).toContain(`included file, which Clawback does not restore: ${agents}`);
    expect(report.outcomes[0]!.message).toContain('refused: would drop the file\'s $include agents="./agents.json5"');
  });

  it('a broken main file of a split config is restored from a copy that keeps the $include', async () => {
    await recordGood(fx, INLINE);
    await new Promise((r) => setTimeout(r, 20));
    await recordGood(fx, SPLIT);
    const broken = SPLIT.replace('port: 18789', 'port: "oops"');
    await fs.writeFile(fx.configPath, broken);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(SPLIT);
  });

  it("the service's doctor fixing only an included file: judged on the included file as it is now, not on the run's earlier verdict", async () => {
    await fs.writeFile(agents, '{ workspace: "/new", '); // truncated
    const doctor = await fx.script('fix-include.mjs', `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], '{ workspace: "/new" }\\n');\n`);
    fx.withService({ doctor: { command: [process.execPath, doctor, agents] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true, details: { method: 'service-doctor' } });
    expect(report.outcomes[0]!.message).toContain("repaired by the service's own doctor");
    expect(await fs.readFile(agents, 'utf8')).toBe('{ workspace: "/new" }\n');
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(SPLIT);
  });
});
