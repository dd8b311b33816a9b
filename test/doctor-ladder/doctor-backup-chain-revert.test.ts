// A service doctor run that rewrote a valid config (a crash loop our rules found no cause of) and did not hold is undone
// whole: the config and the backup chain its rotation shifted (openclaw doctor --fix: .bak..bak.4) are put back.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

// The service: `--check FILE` validates JSON; started, it exits 1 while `broken-env` exists (a cause no rule knows), else serves.
const SERVICE = `
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
const a = process.argv.slice(2);
if (a[0] === '--check') { try { JSON.parse(readFileSync(a[1], 'utf8')); process.exit(0); } catch (e) { console.error(String(e)); process.exit(1); } }
const [cfg, broken, port] = a;
JSON.parse(readFileSync(cfg, 'utf8'));
if (existsSync(broken)) { console.error('broken environment'); process.exit(1); }
http.createServer((q, s) => s.end('ok')).listen(Number(port), '127.0.0.1');
`;

// Its own doctor, as openclaw's: each config write rotates .bak -> .bak.1 ... -> .bak.4 (the oldest falls off), copies
// the config to .bak and rewrites the whole file; it writes twice, as openclaw doctor --fix did here.
const DOCTOR = `
import { readFileSync, writeFileSync, existsSync, renameSync, copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
const cfg = process.argv[2];
// Beside the config it migrates state too (openclaw doctor creates state/openclaw.sqlite, config-journal-fingerprint.key).
mkdirSync(path.join(path.dirname(cfg), 'svcstate'), { recursive: true });
writeFileSync(path.join(path.dirname(cfg), 'svcstate', 'db.sqlite'), 'migrated');
const write = (value) => {
  for (let i = 3; i >= 0; i--) { const from = i === 0 ? cfg + '.bak' : cfg + '.bak.' + i; if (existsSync(from)) renameSync(from, cfg + '.bak.' + (i + 1)); }
  copyFileSync(cfg, cfg + '.bak');
  writeFileSync(cfg, JSON.stringify(value, null, 2) + '\\n');
};
const v = JSON.parse(readFileSync(cfg, 'utf8'));
write({ ...v, agents: { main: {} } });
write({ ...v, agents: { main: {} }, meta: { touched: true } });
`;

async function crashLoopAfterDoctor(chainLength: number): Promise<{ t: TestDaemon; dir: string; cfg: string; config: string; chain: string[]; chainBefore: string[] }> {
  const dir = tempDir();
  const svc = path.join(dir, 'svc.mjs');
  const doctor = path.join(dir, 'doctor.mjs');
  const cfg = path.join(dir, 'svc.json');
  const broken = path.join(dir, 'broken-env');
  writeFileSync(svc, SERVICE);
  writeFileSync(doctor, DOCTOR);
  const config = `${JSON.stringify({ name: 'svc', token: 'user-token-1' }, null, 2)}\n`;
  writeFileSync(cfg, config);
  const chain = ['', '.1', '.2', '.3', '.4'].slice(0, chainLength).map((s) => `${cfg}.bak${s}`);
  chain.forEach((f, i) => writeFileSync(f, `${JSON.stringify({ name: 'svc', copy: i })}\n`));
  const port = await freePort();
  td = await startTestDaemon(
    {
      services: [
        {
          name: 'svc',
          command: [NODE, svc, cfg, broken, String(port)],
          port,
          configFile: { path: cfg, format: 'json', validateCommand: [NODE, svc, '--check', '{file}'], backupGlobs: ['svc.json.bak', 'svc.json.bak.*'], protect: ['token'] },
          doctor: { command: [NODE, doctor, cfg], snapshotAfter: '300ms', attempts: 1, confirmAfter: '2s' },
          restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 3, startupGrace: '5s' }],
        },
      ],
    },
    { dir },
  );
  const t = td;
  await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 20_000 });
  const chainBefore = chain.map((f) => readFileSync(f, 'utf8'));
  writeFileSync(broken, 'x');
  process.kill(t.daemon.runtimes.get('svc')!.status().pid!, 'SIGKILL');
  await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), {
    timeoutMs: 60_000,
    message: () => `Level 4; last events: ${t.events.slice(-12).map((e) => `${e.type}: ${e.message}`).join(' | ')}`,
  });
  return { t, dir, cfg, config, chain, chainBefore };
}

describe("an undone service doctor run puts the service's backup chain back", () => {
  it('a full chain (.bak..bak.4) the doctor rotated twice is back byte for byte, and the journal names each file put back', async () => {
    const { t, cfg, config, chain, chainBefore } = await crashLoopAfterDoctor(5);
    const journal = t.journal();
    expect(journal.some((e) => e.type === 'doctor.repair' && e.details?.rule === 'service-doctor' && e.details?.applied === true), 'the service doctor ran and its change was kept').toBe(true);
    expect(readFileSync(cfg, 'utf8')).toBe(config);
    expect(chain.map((f) => readFileSync(f, 'utf8'))).toEqual(chainBefore);
    const undone = journal.find((e) => e.type === 'doctor.repair' && e.details?.undone === true);
    const reverted = (undone?.details?.reverted as string[] | undefined) ?? [];
    for (const f of [cfg, ...chain]) expect(reverted.some((r) => r.startsWith(`${f} `)), `${f} in ${JSON.stringify(reverted)}`).toBe(true);
    expect(journal.find((e) => e.type === 'incident.escalated')!.message).toContain("the doctor's file changes were undone");
  }, 120_000);

  it('a short chain: copies the doctor created are moved aside (no such file again) and not taken for backups', async () => {
    const { t, dir, cfg, config, chain, chainBefore } = await crashLoopAfterDoctor(2);
    expect(readFileSync(cfg, 'utf8')).toBe(config);
    expect(chain.map((f) => readFileSync(f, 'utf8'))).toEqual(chainBefore);
    expect(existsSync(`${cfg}.bak.2`)).toBe(false);
    expect(existsSync(`${cfg}.bak.3`)).toBe(false);
    // The doctor's copies are kept as evidence, under names no backup glob takes for the service's own copies.
    const { findBackupCandidates } = await import('../../src/doctor/backup-candidates.js');
    expect((await findBackupCandidates(cfg, ['svc.json.bak', 'svc.json.bak.*'])).map((c) => c.path).sort()).toEqual([...chain].sort());
    expect(readdirSync(dir).some((f) => f.includes('.doctor-undone-'))).toBe(true);
    expect(t.journal().some((e) => e.type === 'incident.escalated')).toBe(true);
  }, 120_000);

  it('what the doctor changed beside the config (a state database it created) is named as not put back', async () => {
    const { t } = await crashLoopAfterDoctor(1);
    const reverted = t.journal().find((e) => e.type === 'incident.action' && e.details?.action === 'doctor-reverted');
    expect(reverted?.details?.otherRepairs).toEqual([expect.stringMatching(/own doctor, beside its config in .*: created svcstate, svcstate\/db\.sqlite$/)]);
    expect(reverted?.message).toContain('not reverted');
    // Clawback's own state dir (beside the config here) and the doctor's evidence files are not the run's changes.
    expect(String(reverted?.details?.otherRepairs)).not.toMatch(/journal|doctor-undone|bak/);
  }, 120_000);
});
