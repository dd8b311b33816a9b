// `validate` had no --json ("unknown option", exit 1): a script had to parse indented lines. It now answers one JSON
// object: the services when valid, each finding as data (field, expected, value, secrets taken out) when not.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const TOKEN = 'sk-abcdefghijklmnopqrstuvwxyz0123456789';

describe('clawback validate --json', () => {
  it('valid: ok, file and services; invalid: exit 2 with problems[{field, expected, value}] and no secret', async () => {
    const dir = tempDir('clawback-validate-json-');
    const env = { HOME: dir, CLAWBACK_CONFIG: '', CLAWBACK_STATE_DIR: '' };
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'] }] }));
    const ok = await runCli(['validate', '--json', '--config', good], { env, cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, file: good, services: ['web'], warnings: [] });

    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, YAML.stringify({ services: [{ name: 'web', command: ['node', 'x.js'], restart: { intensity: { maxRestarts: 'ten' } } }, { name: 'api', command: TOKEN }] }));
    const r = await runCli(['validate', '--json', '--config', bad], { env, cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0]!) as { ok: boolean; error: { kind: string; exitCode: number }; file: string; problems: Array<{ field: string; expected?: string; value?: unknown }> };
    expect(parsed).toMatchObject({ ok: false, error: { kind: 'invalid-config', exitCode: 2 }, file: bad });
    expect(parsed.problems).toContainEqual(expect.objectContaining({ field: 'services[0].restart.intensity.maxRestarts', expected: 'number', value: 'ten' }));
    expect(parsed.problems.some((p) => p.field === 'services[1].command')).toBe(true);
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.stderr).toContain('services[0].restart.intensity.maxRestarts');
  }, 30_000);
});
