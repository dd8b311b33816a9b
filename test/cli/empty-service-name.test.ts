// `clawback stop "$SVC"` with SVC unset: the empty NAME went to the daemon as a path without a name ("not found", exit
// 4, nothing said of what was wrong), and `doctor ""` checked every service. Refused as a usage error, naming the value.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { NODE, tempDir } from '../helpers/daemon.js';

describe('an empty service NAME', () => {
  it('is a usage error naming the value for each command that takes one, before any daemon is asked', async () => {
    const dir = tempDir('clawback-empty-name-');
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, `stateDir: ./state\nservices:\n  - name: web\n    command: [${JSON.stringify(NODE)}, "-e", "setInterval(()=>{},1e6)"]\n`);
    for (const [args, code] of [
      [['stop', ''], 1],
      [['start', ' '], 1],
      [['maintenance', '', 'on'], 1],
      [['scale', '', '2'], 1],
      [['doctor', ''], 64],
    ] as const) {
      const r = await runCli([...args, '--json', '--config', config], { timeoutMs: 30_000 });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(code);
      const answer = JSON.parse(r.stdout.trim()) as { ok: boolean; error: { kind: string; message: string } };
      expect(answer).toMatchObject({ ok: false, error: { kind: 'usage' } });
      expect(answer.error.message).toMatch(/NAME is empty \(got "\s*"\); expected the name of a service/);
    }
  }, 120_000);
});
