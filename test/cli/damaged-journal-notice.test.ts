// A torn or garbled journal line was skipped in silence: an incident whose resolved line was torn showed "escalated"
// for good, and nothing said the journal was damaged. The CLI says so on stderr; stdout (--json too) stays valid.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

describe('incidents / incident / digest over a journal with damaged lines', () => {
  it('say how many lines were skipped and where, and keep --json valid', async () => {
    const stateDir = path.join(tempDir(), 'state');
    mkdirSync(stateDir, { recursive: true });
    const t = Date.now() - 60_000;
    const base = { service: 'web', incidentId: 'inc-1' };
    const lines = [
      JSON.stringify({ ...base, type: 'incident.opened', time: t, severity: 'warning', level: 0, message: 'opened' }),
      JSON.stringify({ ...base, type: 'incident.escalated', time: t + 1, severity: 'critical', level: 4, message: 'web needs a human' }),
      '{"type":"incident.resolved","time":' + String(t + 2) + ',"severity":"resol', // torn
    ];
    writeFileSync(path.join(stateDir, 'journal.jsonl'), lines.join('\n') + '\n');
    const env = { HOME: stateDir, CLAWBACK_CONFIG: '' };
    for (const args of [['incidents'], ['incidents', '--json'], ['incident', 'inc-1'], ['incident', 'inc-1', '--json'], ['digest']]) {
      const r = await runCli([...args, '--state-dir', stateDir], { env, cwd: stateDir, timeoutMs: 20_000 });
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/skipped 1 damaged line\(s\) of .*journal\.jsonl.* at line 3/);
      if (args.includes('--json')) expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    }
  }, 90_000);
});
