// `init`, `install`/`uninstall` and `schema` refused --json ("unknown option", exit 1) where every other command
// answers one JSON line: a provisioning script had to scrape their human words. They now answer as the others do.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-setup-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { HOME: dir, CLAWBACK_STATE_DIR: '', CLAWBACK_CONFIG: '' };

/** Runs a command and returns its only stdout line, parsed. */
async function oneLine(args: string[], code: number): Promise<Record<string, unknown>> {
  const r = await runCli(args, { env, cwd: dir, timeoutMs: 30_000 });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
  const lines = r.stdout.trim().split('\n');
  expect(lines, `stdout of ${args.join(' ')}`).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('--json on the setup commands', () => {
  it('init: the file written, a refusal to overwrite, a bad preset, --dry-run with the content', async () => {
    const out = path.join(dir, 'c.yaml');
    const init = ['init', '--preset', 'generic', '--command', 'sleep 100', '--out', out, '--json'];
    expect(await oneLine(init, 0)).toMatchObject({ ok: true, file: out, preset: 'generic', dryRun: false, backup: null, warnings: [] });
    expect(readFileSync(out, 'utf8')).toContain('sleep');
    expect(await oneLine(init, 1)).toMatchObject({ ok: false, error: { kind: 'refused', exitCode: 1 } });
    const forced = await oneLine([...init, '--force'], 0);
    expect(String(forced.backup)).toContain('c.yaml.');
    expect(await oneLine(['init', '--preset', 'bogus', '--json'], 2)).toMatchObject({ ok: false, error: { kind: 'usage', exitCode: 2 } });
    const dry = await oneLine(['init', '--preset', 'generic', '--command', 'sleep 100', '--dry-run', '--json'], 0);
    expect(dry).toMatchObject({ ok: true, dryRun: true });
    expect(String(dry.content)).toContain('services:');
  }, 60_000);

  it('install/uninstall --dry-run: the plan in one line; a config that does not load: the JSON error, exit 2', async () => {
    const cfg = path.join(dir, 'ok.yaml');
    writeFileSync(cfg, 'services:\n  - name: web\n    command: [sleep, "100"]\n');
    const stateDir = path.join(dir, 'state');
    for (const action of ['install', 'uninstall']) {
      const plan = await oneLine([action, '--dry-run', '--json', '-c', cfg, '--state-dir', stateDir], 0);
      expect(plan).toMatchObject({ ok: true, dryRun: true });
      expect(String(plan.plan)).toContain(`${action} plan`);
    }
    const bad = await oneLine(['install', '--json', '-c', path.join(dir, 'missing.yaml'), '--state-dir', stateDir], 2);
    expect(bad).toMatchObject({ ok: false, error: { kind: 'invalid-config', exitCode: 2 } });
  }, 60_000);

  it('schema --json: the schema on one line; with --out the file named; an unwritable --out: the JSON error', async () => {
    const schema = await oneLine(['schema', '--json'], 0);
    expect(schema.type).toBe('object');
    const file = path.join(dir, 's.json');
    expect(await oneLine(['schema', '--json', '--out', file], 0)).toEqual({ ok: true, file });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(schema);
    expect(await oneLine(['schema', '--json', '--out', path.join(dir, 'no', 'such', 's.json')], 1)).toMatchObject({ ok: false, error: { kind: 'system' } });
  }, 60_000);
});
