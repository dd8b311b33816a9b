// A config split with `$include`: a broken included file is named as the fault, and a repair never replaces the main
// file with a copy that drops the split (an older, inline copy would silently undo every edit made in the includes).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import JSON5 from 'json5';
import { spawnSync } from 'node:child_process';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { configRestoreRule } from '../../src/doctor/rule-config-restore.js';
import { includeDirectives, includedFilesInText, includeProblems, resolveIncludes } from '../../src/platform/config-includes.js';
import { maybeRecordLastKnownGood } from '../../src/doctor/last-known-good.js';
import { makeFixture, recordGood, type DoctorFixture } from './doctor-fixtures.js';

/** Resolves top-level `{ $include: "<file>" }` sections like OpenClaw, then wants an integer port, a string agents.workspace and auth.mode "token". */
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
if (cfg.agents && typeof cfg.agents.workspace !== 'string') { process.stderr.write('agents.workspace must be a string\\n'); process.exit(1); }
if (cfg.auth && cfg.auth.mode !== undefined && cfg.auth.mode !== 'token') { process.stderr.write('auth.mode must be "token"\\n'); process.exit(1); }
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
  it('finds the includes a truncated text still names', () => {
    expect(includedFilesInText('/c/main.json5', `{ a: { $include: "./a.json5" }, "b": { "$include": ['./x.json5', "y.json5"] }, c: { $include: ["./z`)).toEqual(['/c/a.json5', '/c/x.json5', '/c/y.json5']);
  });

  it('resolves includes like OpenClaw: sibling keys win, arrays concatenate, a cycle or an unread file adds nothing', () => {
    const files = new Map<string, unknown>([
      ['/c/gw.json5', { auth: { token: 'in-include', mode: 'token' }, list: [1] }],
      ['/c/loop.json5', { $include: './loop.json5', x: 1 }],
    ]);
    const main = { gateway: { $include: './gw.json5', auth: { mode: 'password' }, list: [2] }, l: { $include: './loop.json5' }, m: { $include: './gone.json5' } };
    expect(resolveIncludes('/c/main.json5', main, files)).toEqual({ gateway: { auth: { token: 'in-include', mode: 'password' }, list: [1, 2] }, l: { x: 1 }, m: {} });
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
    expect(report.outcomes[0]!.message).toContain(`included file, which Clawback could not put back (no copy of ${agents} was seen healthy): ${agents}`);
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

  it("the service's doctor dropping a protected setting kept in an included file: both files rolled back, its versions kept", async () => {
    // The token lives in the included file; the doctor "fixes" the main file and rewrites the include without it.
    const auth = path.join(fx.dir, 'auth.json5');
    const authText = '{ token: "user-secret-token" }\n';
    await fs.writeFile(auth, authText);
    const main = '{ port: "oops", auth: { $include: "./auth.json5" } }\n';
    await fs.writeFile(fx.configPath, main);
    const doctor = await fx.script(
      'drop-auth.mjs',
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(process.argv[2], '{ port: 18789, auth: { $include: "./auth.json5" } }\\n');\nwriteFileSync(process.argv[3], '{}\\n');\n`,
    );
    fx.withService({ configFile: { ...fx.service.configFile!, protect: ['auth'] }, doctor: { command: [process.execPath, doctor, fx.configPath, auth] } });
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    const attempts = (report.outcomes[0]!.details as { attempts: string[] }).attempts.join('\n');
    expect(attempts).toContain('service doctor damaged the config; rolled back');
    expect(attempts).toContain('removed auth.token (protected)');
    expect(attempts).toContain(`included file(s) it changed, rolled back: ${auth}`);
    expect(await fs.readFile(auth, 'utf8')).toBe(authText);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(main);
    const kept = (await fs.readdir(fx.dir)).filter((f) => f.startsWith('auth.json5.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(await fs.readFile(path.join(fx.dir, kept[0]!), 'utf8')).toBe('{}\n');
    const snaps = await fx.snapshots.list('pre-repair');
    expect(snaps.some((e) => e.sourcePath === auth)).toBe(true);
  });

  it("a restore never changes a protected setting kept in an included file through the copy's own sibling key", async () => {
    // Seen healthy with the token inline beside the include; the user then moved a new token into the included file.
    const auth = path.join(fx.dir, 'auth.json5');
    await fs.writeFile(auth, '{ mode: "token" }\n');
    const good = '{ port: 18789, auth: { $include: "./auth.json5", token: "old-token-aaaa" } }\n';
    await recordGood(fx, good);
    await new Promise((r) => setTimeout(r, 20));
    const authText = '{ mode: "token", token: "user-rotated-token" }\n';
    await fs.writeFile(auth, authText);
    fx.withService({ configFile: { ...fx.service.configFile!, protect: ['auth'] } });
    const refused = 'refused: would change protected auth.token (changed) as the service reads it';

    // The main file parses (a bad port): its resolved token is the included file's. The user took the inline token out
    // of the main file, so the copy's is left out too (a protected setting the user removed stays removed): the
    // restored file includes auth.json5 and the service reads the user's rotated token, not the copy's.
    const invalid = '{ port: "oops", auth: { $include: "./auth.json5" } }\n';
    await fs.writeFile(fx.configPath, invalid);
    const a = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(a.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(JSON5.parse(await fs.readFile(fx.configPath, 'utf8'))).toEqual({ port: 18789, auth: { $include: './auth.json5' } });
    expect(await fs.readFile(auth, 'utf8')).toBe(authText);

    // The main file is cut past its $include: what the included file holds now is the user's, and it changed since.
    const truncated = '{ port: 18789, auth: { $include: "./auth.json5"';
    await fs.writeFile(fx.configPath, truncated);
    const b = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(b.outcomes[0]).toMatchObject({ applied: false });
    expect(b.outcomes[0]!.message).toContain(refused);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(truncated);
    expect(await fs.readFile(auth, 'utf8')).toBe(authText);

    // A copy seen healthy after the included file last changed ran with its override: restoring it changes nothing.
    await new Promise((r) => setTimeout(r, 20));
    const seen = good.replace('18789', '18790');
    await recordGood(fx, seen);
    const c = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(c.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(seen);
  });

  it('a corrupted included file is put back from the copy seen healthy with the config; the broken one kept, the main file untouched', async () => {
    const now = Date.now();
    const seen = await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 });
    expect(seen).toMatchObject({ recorded: true });
    const goodAgents = await fs.readFile(agents, 'utf8');
    await fs.writeFile(agents, '{ workspace: "/new", '); // cut on disk
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true, details: { method: 'restore-included' } });
    expect(report.outcomes[0]!.message).toContain(`the fault was in an included file: restored ${agents} from `);
    expect(await fs.readFile(agents, 'utf8')).toBe(goodAgents);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(SPLIT);
    const kept = (await fs.readdir(fx.dir)).filter((f) => f.startsWith('agents.json5.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(await fs.readFile(path.join(fx.dir, kept[0]!), 'utf8')).toBe('{ workspace: "/new", ');
    expect((await fx.snapshots.list('pre-repair')).some((e) => e.sourcePath === agents)).toBe(true);
  });

  it('a corrupted included file with a second name (a hard link) is not replaced: a rename would leave the other name broken', async () => {
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    const other = path.join(fx.dir, 'agents-shared.json5');
    await fs.link(agents, other);
    const cut = '{ workspace: "/new", ';
    await fs.writeFile(agents, cut); // in place: both names hold the cut file
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(report.outcomes[0]!.message).toContain(`${agents} has 2 hard links`);
    // Nothing split: one file under both names, as the user left it.
    const [a, b] = await Promise.all([fs.stat(agents), fs.stat(other)]);
    expect(a.ino).toBe(b.ino);
    expect(a.nlink).toBe(2);
    expect(await fs.readFile(other, 'utf8')).toBe(cut);
  });

  it('the main file and an included file broken at once: both put back from the copies seen healthy, both broken files kept', async () => {
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    const goodAgents = await fs.readFile(agents, 'utf8');
    const cut = '{ workspace: "/new", ';
    await fs.writeFile(agents, cut);
    const badPort = SPLIT.replace('port: 18789', 'port: "oops"'); // a second fault, in the main file
    await fs.writeFile(fx.configPath, badPort);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true, details: { method: 'restore' } });
    expect(report.outcomes[0]!.message).toContain(`the included file(s) were broken too: restored ${agents} from `);
    expect(await fs.readFile(agents, 'utf8')).toBe(goodAgents);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(SPLIT);
    const kept = await fs.readdir(fx.dir);
    expect(kept.filter((f) => f.startsWith('agents.json5.corrupt-'))).toHaveLength(1);
    expect(kept.filter((f) => f.startsWith('gateway.json.corrupt-'))).toHaveLength(1);
  });

  it('the main file and an included file broken at once, no copy of the main file usable: the included file is put back as it was', async () => {
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    fx.withService({ configFile: { ...fx.service.configFile!, protect: ['port'] } }); // the user's port stays: no copy validates with it
    const cut = '{ workspace: "/new", ';
    await fs.writeFile(agents, cut);
    const badPort = SPLIT.replace('port: 18789', 'port: "oops"');
    await fs.writeFile(fx.configPath, badPort);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(report.outcomes[0]!.message).toContain('with the included copies seen healthy');
    expect(report.outcomes[0]!.message).toContain('no copy of the main file is valid with them either, so they were put back as they were');
    expect(await fs.readFile(agents, 'utf8')).toBe(cut);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(badPort);
  });

  it('a main file truncated past its $include: not swapped for an older inline copy, restored from one that keeps the split', async () => {
    await recordGood(fx, INLINE); // seen healthy before the user split the config
    const truncated = SPLIT.slice(0, SPLIT.indexOf('agents.json5') + 'agents.json5"'.length); // cut on boot, no closing braces
    await fs.writeFile(fx.configPath, truncated);
    const refused = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(refused.outcomes[0]).toMatchObject({ applied: false });
    expect(refused.outcomes[0]!.message).toContain('refused: the broken file still names $include agents.json5, which this copy does not include');
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(truncated);

    await new Promise((r) => setTimeout(r, 20));
    await recordGood(fx, SPLIT);
    await fs.writeFile(fx.configPath, truncated);
    const restored = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(restored.outcomes[0]).toMatchObject({ applied: true, verified: true });
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(SPLIT);
  });
  it('a main file truncated past its $include and the included file broken too: both put back from the copies seen healthy, both broken files kept', async () => {
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    const goodAgents = await fs.readFile(agents, 'utf8');
    const truncated = SPLIT.slice(0, SPLIT.indexOf('agents.json5') + 'agents.json5"'.length); // cut on boot: does not parse
    const cut = '{ workspace: "/new", ';
    await fs.writeFile(fx.configPath, truncated);
    await fs.writeFile(agents, cut);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.findings[0]!.evidence).toContain(`included file(s) it names are broken too: ${agents} (unparseable`);
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true, details: { method: 'restore' } });
    expect(report.outcomes[0]!.message).toContain(`the included file(s) were broken too: restored ${agents} from `);
    expect((report.outcomes[0]!.details as { restoredIncluded: Array<{ file: string }> }).restoredIncluded.map((r) => r.file)).toEqual([agents]);
    expect(await fs.readFile(agents, 'utf8')).toBe(goodAgents);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(SPLIT);
    const kept = await fs.readdir(fx.dir);
    expect(kept.filter((f) => f.startsWith('agents.json5.corrupt-'))).toHaveLength(1);
    expect(kept.filter((f) => f.startsWith('gateway.json.corrupt-'))).toHaveLength(1);
  });
  it('a main file truncated past its $include, the included file broken, no copy of the main file usable: the included file is put back as it was', async () => {
    // No copy of the main file is usable: the newest lacks a protected setting an older one has, which is invalid itself.
    fx.withService({ configFile: { ...fx.service.configFile!, protect: ['name'] } });
    await fx.snapshots.save(Buffer.from('{ name: "mine", port: "x", agents: { $include: "./agents.json5" } }\n'), { sourcePath: fx.configPath, reason: 'older', kind: 'last-known-good', mode: 0o600 });
    await new Promise((r) => setTimeout(r, 20));
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    const truncated = SPLIT.slice(0, SPLIT.indexOf('agents.json5') + 'agents.json5"'.length);
    const cut = '{ workspace: "/new", ';
    await fs.writeFile(fx.configPath, truncated);
    await fs.writeFile(agents, cut);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(report.outcomes[0]!.message).toContain('no copy of the main file is valid with them either, so they were put back as they were');
    expect(await fs.readFile(agents, 'utf8')).toBe(cut);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(truncated);
  });
  it('the main file and an included file elsewhere broken at once, the main file then not writable: the staged included copy is put back as it was (no half repair)', async () => {
    // The included file in another directory (an absolute $include), the main file made append-only after the copies were
    // recorded (an immutable directory is refused up front): replacing the main file throws (EPERM) after the included
    // copy was staged. The other directory is under the config's folder: OpenClaw refuses an include outside it, so such
    // a config is never recorded as last-known-good (nor is it healthy to begin with).
    const elsewhere = await fs.mkdtemp(path.join(fx.dir, 'includes-'));
    const other = path.join(elsewhere, 'agents.json5');
    await fs.writeFile(other, '{ workspace: "/new" }\n');
    await fs.writeFile(fx.configPath, `{ port: 18789, agents: { $include: ${JSON.stringify(other)} } }\n`);
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    const cut = '{ workspace: "/new", ';
    const badMain = `{ port: "x", agents: { $include: ${JSON.stringify(other)} } }\n`;
    await fs.writeFile(other, cut);
    await fs.writeFile(fx.configPath, badMain);
    const appendOnly = spawnSync('chattr', ['+a', fx.configPath]);
    if (appendOnly.status !== 0) throw new Error(`chattr +a ${fx.configPath}: ${appendOnly.stderr.toString()} (this test needs root and a file system with the append-only flag)`);
    try {
      const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
      expect(report.outcomes[0]).toMatchObject({ applied: false });
      expect(await fs.readFile(other, 'utf8')).toBe(cut);
      expect(await fs.readFile(fx.configPath, 'utf8')).toBe(badMain);
      expect((await fs.readdir(fx.dir)).filter((n) => n.includes('.corrupt-'))).toEqual([]);
    } finally {
      spawnSync('chattr', ['-a', fx.configPath]);
      await fs.rm(elsewhere, { recursive: true, force: true });
    }
  });
  it('an included copy seen healthy that lacks a protected setting an older copy has: refused for an unparseable included file', async () => {
    // Seen healthy with the token in the included file, then without it (a tool dropped it); then the file is cut.
    const auth = path.join(fx.dir, 'auth.json5');
    await fs.writeFile(fx.configPath, '{ port: 18789, auth: { $include: "./auth.json5" } }\n');
    fx.withService({ configFile: { ...fx.service.configFile!, protect: ['auth'] } });
    await fs.writeFile(auth, '{ mode: "token", token: "user-secret-token" }\n');
    let now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    await fs.writeFile(auth, '{ mode: "token" }\n');
    now = Date.now();
    await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 });
    const cut = '{ mode: "token", tok';
    await fs.writeFile(auth, cut);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(report.outcomes[0]!.message).toContain(`refused: the newest copy of ${auth} seen healthy lacks protected auth.token, which an older copy of it`);
    expect(await fs.readFile(auth, 'utf8')).toBe(cut);
    expect((await fs.readdir(fx.dir)).filter((f) => f.startsWith('auth.json5.corrupt-'))).toEqual([]);
  });
  it('an included file that parses but is invalid (a wrong type): put back from the copy seen healthy, one file at a time; the other edit, the main file and the evidence kept', async () => {
    const auth = path.join(fx.dir, 'auth.json5');
    const main = '{ port: 18789, agents: { $include: "./agents.json5" }, auth: { $include: "./auth.json5" } }\n';
    await fs.writeFile(fx.configPath, main);
    await fs.writeFile(auth, '{ mode: "token" }\n');
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    const goodAgents = await fs.readFile(agents, 'utf8');
    const authEdit = '{ mode: "token", note: "a valid edit made since" }\n';
    await fs.writeFile(auth, authEdit);
    const wrongType = '{ workspace: 42 }\n';
    await fs.writeFile(agents, wrongType);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: true, verified: true, details: { method: 'restore-included' } });
    expect(report.outcomes[0]!.message).toContain(`the fault was in an included file changed since seen healthy: restored ${agents} from `);
    expect(await fs.readFile(agents, 'utf8')).toBe(goodAgents);
    expect(await fs.readFile(auth, 'utf8')).toBe(authEdit);
    expect(await fs.readFile(fx.configPath, 'utf8')).toBe(main);
    const kept = (await fs.readdir(fx.dir)).filter((f) => f.startsWith('agents.json5.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(await fs.readFile(path.join(fx.dir, kept[0]!), 'utf8')).toBe(wrongType);
    expect((await fx.snapshots.list('pre-repair')).some((e) => e.sourcePath === agents)).toBe(true);
  });

  it('an invalid included file holding a protected setting set since its copy was seen healthy: not put back, nothing written', async () => {
    const auth = path.join(fx.dir, 'auth.json5');
    await fs.writeFile(fx.configPath, '{ port: 18789, auth: { $include: "./auth.json5" } }\n');
    fx.withService({ configFile: { ...fx.service.configFile!, protect: ['auth.token'] } });
    await fs.writeFile(auth, '{ mode: "token", token: "old-token-aaaa" }\n');
    const now = Date.now();
    expect(await maybeRecordLastKnownGood(fx.ctx(), { healthySince: now + 1_000, now: now + 1_000 })).toMatchObject({ recorded: true });
    const rotated = '{ mode: "lan", token: "user-rotated-token" }\n'; // a new token, and a wrong mode beside it
    await fs.writeFile(auth, rotated);
    const report = await runDoctor(fx.ctx(), { fix: true, rules: [configRestoreRule()] });
    expect(report.outcomes[0]).toMatchObject({ applied: false });
    expect(report.outcomes[0]!.message).toContain(`included file(s) changed since seen healthy (${auth}) not put back: refused: putting back the included copies seen healthy would change protected auth.token (changed)`);
    expect(await fs.readFile(auth, 'utf8')).toBe(rotated);
    expect((await fs.readdir(fx.dir)).filter((f) => f.startsWith('auth.json5.corrupt-'))).toEqual([]);
  });
});
