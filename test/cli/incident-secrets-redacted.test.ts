// `clawback incidents`, `incident ID` and `digest` redact what the journal says, as /api/incidents does: `incident`
// printed a "Bearer sk-ant-..." a probe quoted, and `incidents` an OPENAI_API_KEY=sk-proj-... reason, in the clear.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('secrets in journal text', () => {
  it('are redacted by incidents, incident ID and digest', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir);
    const bearer = 'sk-ant-abcdefghijklmnopqrstuvwxyz0123456789';
    const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123';
    writeFileSync(
      path.join(stateDir, 'journal.jsonl'),
      `${JSON.stringify({ type: 'incident.opened', time: Date.now() - 1000, severity: 'warning', message: `probe said Authorization: Bearer ${bearer}`, service: 'web', incidentId: 'inc-sec', level: 0, details: { reason: `OPENAI_API_KEY=${key}` } })}\n`,
    );
    for (const args of [['incidents'], ['incidents', '--json'], ['incident', 'inc-sec'], ['incident', 'inc-sec', '--json'], ['digest'], ['digest', '--json']]) {
      const r = await runCli(['--state-dir', stateDir, ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, args.join(' ')).not.toContain(bearer);
      expect(r.stdout, args.join(' ')).not.toContain(key);
      if (args[0] !== 'digest') expect(r.stdout, args.join(' ')).toContain('[REDACTED]');
    }
  }, 90_000);
});
