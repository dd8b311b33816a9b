// The doctor's rollback covers every file of the config it repaired, not only the main file: an `$include`d file it
// put back, and a config file it created where none was, are undone too when the service does not become healthy.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, NODE, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { httpGet, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';

let td: TestDaemon | undefined;
let foreign: MarkedChild | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  foreign?.kill();
  foreign = undefined;
});

// A tiny service with a split config: `--check FILE` validates (unknown keys rejected, `$include` followed one level);
// started, it exits 1 without its dependency file, else serves /health.
const SERVICE = `
import { readFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
const KEYS = ['name', 'mode', '$include'];
function load(file) {
  const v = JSON.parse(readFileSync(file, 'utf8'));
  let out = { ...v };
  if (typeof v.$include === 'string') out = { ...JSON.parse(readFileSync(path.resolve(path.dirname(file), v.$include), 'utf8')), ...out };
  for (const k of Object.keys(out)) if (!KEYS.includes(k)) throw new Error('unknown key ' + k);
  return out;
}
const a = process.argv.slice(2);
if (a[0] === '--check') { try { load(a[1]); process.exit(0); } catch (e) { console.error(String(e)); process.exit(1); } }
const [cfg, dep, port] = a;
if (!existsSync(dep)) { console.error('dependency unavailable'); process.exit(1); }
load(cfg);
http.createServer((q, s) => s.end('ok')).listen(Number(port), '127.0.0.1');
`;

async function start(dir: string, cfg: string, dep: string, port?: number): Promise<{ t: TestDaemon; port: number }> {
  const svc = path.join(dir, 'svc.mjs');
  writeFileSync(svc, SERVICE);
  port ??= await freePort();
  td = await startTestDaemon(
    {
      services: [
        {
          name: 'svc',
          command: [NODE, svc, cfg, dep, String(port)],
          port,
          configFile: { path: cfg, format: 'json', validateCommand: [NODE, svc, '--check', '{file}'] },
          doctor: { snapshotAfter: '300ms', attempts: 2 },
          restart: { backoff: { initial: '100ms', jitter: 0 }, intensity: { maxRestarts: 3, window: '1m' } },
          probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', failureThreshold: 3, startupGrace: '5s' }],
        },
      ],
    },
    { dir },
  );
  const t = td;
  await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/health`, 500).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 20_000 });
  return { t, port };
}

const escalated = async (t: TestDaemon): Promise<void> => {
  await waitFor(() => t.events.some((e) => e.type === 'incident.escalated'), {
    timeoutMs: 60_000,
    message: () => `Level 4; last events: ${t.events.slice(-12).map((e) => `${e.type}: ${e.message}`).join(' | ')}`,
  });
};

describe("the doctor's rollback scope", () => {
  it('an included file the doctor put back is undone, byte for byte, when the service still fails', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'main.json');
    const extra = path.join(dir, 'extra.json');
    const dep = path.join(dir, 'dependency.ok');
    writeFileSync(cfg, `${JSON.stringify({ name: 'svc', $include: './extra.json' }, null, 2)}\n`);
    writeFileSync(extra, `${JSON.stringify({ mode: 'a' }, null, 2)}\n`);
    writeFileSync(dep, 'up\n');
    const { t } = await start(dir, cfg, dep);
    // The split config was seen healthy: the main file and the included one each have a last-known-good copy.
    const included = path.join(t.stateDir, 'snapshots', 'svc', 'included');
    await waitFor(() => existsSync(included) && readdirSync(included).length > 0, { timeoutMs: 20_000 });

    // The user's edit of the included file (a key the validator rejects), and, unrelated, the dependency goes away.
    const userBytes = Buffer.from(`${JSON.stringify({ mode: 'b', newFeature: true }, null, 2)}\n`);
    writeFileSync(extra, userBytes);
    rmSync(dep);
    process.kill(t.daemon.runtimes.get('svc')!.status().pid!, 'SIGKILL');
    await escalated(t);

    const journal = t.journal();
    expect(journal.some((e) => e.type === 'doctor.repair' && e.details?.applied === true), 'the doctor changed the included file').toBe(true);
    // The user's included file is back as they wrote it; the doctor's version is kept beside it.
    expect(readFileSync(extra).equals(userBytes)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('extra.json.doctor-undone-'))).toHaveLength(1);
    const undone = journal.find((e) => e.type === 'doctor.repair' && e.details?.undone === true);
    expect(undone?.details?.reverted).toEqual([expect.stringContaining(extra)]);
    const esc = journal.filter((e) => e.type === 'incident.escalated');
    expect(esc[0]!.message).toContain("the doctor's file changes were undone");
    // One doctor run: a second would have put the same copy back again.
    expect(journal.filter((e) => e.type === 'incident.action' && e.details?.action === 'doctor')).toHaveLength(1);
  }, 120_000);

  it('a config file the doctor created where none was is moved aside (kept as evidence) when the service still fails', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'main.json');
    const dep = path.join(dir, 'dependency.ok');
    const good = `${JSON.stringify({ name: 'svc', mode: 'a' }, null, 2)}\n`;
    writeFileSync(cfg, good);
    writeFileSync(dep, 'up\n');
    const { t } = await start(dir, cfg, dep);
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });

    rmSync(cfg);
    rmSync(dep);
    process.kill(t.daemon.runtimes.get('svc')!.status().pid!, 'SIGKILL');
    await escalated(t);

    const journal = t.journal();
    expect(journal.some((e) => e.type === 'doctor.repair' && e.details?.applied === true), 'the doctor restored the config').toBe(true);
    // As before the doctor: no config at the path; the doctor's copy is kept beside it, not lost.
    expect(existsSync(cfg)).toBe(false);
    const kept = readdirSync(dir).filter((f) => f.startsWith('main.json.doctor-undone-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(dir, kept[0]!), 'utf8')).toBe(good);
    const undone = journal.find((e) => e.type === 'doctor.repair' && e.details?.undone === true);
    expect(undone?.details?.reverted).toEqual([expect.stringContaining('there was none before the doctor')]);
  }, 120_000);

  it("a run that changed the user's file but could not fix the rest (a stranger holds the port) puts the file back", async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'main.json');
    const dep = path.join(dir, 'dependency.ok');
    writeFileSync(cfg, `${JSON.stringify({ name: 'svc', mode: 'a' }, null, 2)}\n`);
    writeFileSync(dep, 'up\n');
    const { t, port } = await start(dir, cfg, dep);
    await waitFor(() => t.events.some((e) => e.type === 'config.snapshot'), { timeoutMs: 20_000 });

    // The user's edit the validator rejects; then the service dies and a stranger takes its port meanwhile.
    const userBytes = Buffer.from(`${JSON.stringify({ name: 'svc', mode: 'b', newFeature: true }, null, 2)}\n`);
    writeFileSync(cfg, userBytes);
    await t.daemon.runtimes.get('svc')!.request('stop', 'human');
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${port}/health`, 300).catch(() => ({ status: 0 }))).status === 0, { timeoutMs: 10_000 });
    foreign = spawnMarked(NODE, ['-e', `require('http').createServer((q,s)=>s.end('foreign')).listen(${port},'127.0.0.1',()=>console.log('listening'))`]);
    await foreign.waitForStdout('listening', 20_000);
    await t.daemon.runtimes.get('svc')!.request('start', 'human');
    await escalated(t);

    const journal = t.journal();
    expect(journal.some((e) => e.type === 'doctor.repair' && e.details?.applied === true), 'the doctor changed the file').toBe(true);
    // The service never ran with the doctor's version: the user's file is back, the doctor's version kept beside it.
    expect(readFileSync(cfg).equals(userBytes)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('main.json.doctor-undone-'))).toHaveLength(1);
    // The person paged is told the change was undone, and the stranger was left alone.
    const esc = journal.filter((e) => e.type === 'incident.escalated');
    expect(esc).toHaveLength(1);
    expect(esc[0]!.message).toContain("the doctor's file changes were undone");
    expect(esc[0]!.message).not.toContain('still in place');
    expect(foreign.pid).toBeGreaterThan(0);
    expect(process.kill(foreign.pid, 0)).toBe(true);
  }, 120_000);
});
