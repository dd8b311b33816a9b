// A daemon.json that is there but corrupt was reported as "daemon.json: missing" (readProblem said corrupt, the
// actions a person reads did not): the report's line now says the file is there, unreadable, and why.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';

describe('the guardian and a corrupt daemon.json', () => {
  it('says the file is there but unreadable, naming the parse error, not "missing"', async () => {
    const dir = tempDir('clawback-guardian-corrupt-said-');
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true });
    // A config that does not load: the pass starts nothing (exit 78 would follow), it only reports.
    const configPath = path.join(dir, 'clawback.yaml');
    writeFileSync(configPath, 'services:\n  - name: x\n    command: 42\n');
    writeFileSync(path.join(stateDir, 'daemon.json'), '{"pid": "garbage"');
    const g = await runCli(['guardian', '--once', '--json', '--config', configPath, '--state-dir', stateDir], { env: { HOME: path.join(dir, 'home') }, timeoutMs: 60_000 });
    const report = JSON.parse(g.stdout) as { readProblem?: string; actions: string[] };
    expect(report.readProblem).toMatch(/^corrupt/);
    const line = report.actions.find((a) => a.startsWith('daemon.json:'));
    expect(line).toMatch(/there but unreadable: corrupt: not JSON/);
    expect(line).not.toBe('daemon.json: missing');
  }, 90_000);
});
