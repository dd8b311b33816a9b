// Do no harm on real files: a failed run's revert keeps evidence and never replaces what a person edited after the agent ended.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emergencySchema } from '../../src/emergency/emergency-schema.js';
import { finishAgentSession, runAgentSession } from '../../src/emergency/run-emergency.js';
import type { AgentAdapter, AgentSession } from '../../src/emergency/agent-adapter.js';
import { systemClock } from '../../src/platform/clock.js';
import { BROKEN_CONFIG, makeScenario, type Scenario } from './scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.cleanup();
  scenario = undefined;
});

const AGENT_CONFIG = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'still-oops', agentTried: true }, null, 2)}\n`;
const AGENT_NOTES = 'the agent wrote this\n';
const PERSON_CONFIG = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0, apiToken: 'sk-person-secret-123' }, null, 2)}\n`;

/** Stands in for an agent process: edits the config and a notes file in the workdir, then fails (exit 1). */
function editingAgent(notes: string): AgentAdapter {
  return {
    name: 'command',
    async run(session: AgentSession) {
      session.onStarted({ handle: 'stand-in' });
      await fs.writeFile(session.configPath!, AGENT_CONFIG);
      await fs.writeFile(notes, AGENT_NOTES);
      return { status: 'failed', exitCode: 1, summary: 'Error: could not fix it', transcript: 'edited two files', refused: [] };
    },
  };
}

async function mode(file: string): Promise<number> {
  return (await fs.stat(file)).mode & 0o777;
}

/** One Level 3 run of a stand-in agent on the scenario (a `command` adapter that never starts a process). */
function runStandIn(s: Scenario, incident: ReturnType<Scenario['incident']>, agent: AgentAdapter) {
  return runAgentSession({
    incident,
    service: s.service,
    config: emergencySchema.parse({ adapter: 'command', command: ['unused'], timeBox: '20s', verifyWindow: '1s' }),
    host: s.host,
    clock: systemClock(),
    redactor: s.redactor,
    stateDir: s.stateDir,
    emit: (e) => s.events.push(e),
    adapters: { command: agent },
  });
}

/** A stand-in agent that does `work`, then fails (exit 1). */
function failingAgent(work: (session: AgentSession) => Promise<void>): AgentAdapter {
  return {
    name: 'command',
    async run(session: AgentSession) {
      session.onStarted({ handle: 'stand-in' });
      await work(session);
      return { status: 'failed', exitCode: 1, summary: 'gave up', transcript: '', refused: [] };
    },
  };
}

/** A scenario with a notes file, and a run of the editing agent on it that fails its verification. */
async function failedRun(agent?: (notes: string, dir: string) => AgentAdapter) {
  scenario = await makeScenario();
  const s = scenario;
  const notes = path.join(s.dir, 'notes.txt');
  await fs.writeFile(notes, 'before the run\n');
  await fs.mkdir(path.join(s.dir, 'src', 'lib'), { recursive: true });
  await fs.writeFile(path.join(s.dir, 'src', 'lib', 'app.js'), 'export const port = 0;\n');
  const incident = s.incident();
  const run = await runStandIn(s, incident, (agent ?? editingAgent)(notes, s.dir));
  return { s, notes, incident, run };
}

describe('the revert of a failed agent run (issue 16/17: do no harm)', () => {
  it('a file a person edited after the agent ended is not reverted and is reported; the other is reverted; evidence of both is saved 0600', { timeout: 30_000 }, async () => {
    const { s, notes, incident, run } = await failedRun();
    expect(run.outcome).toBe('failed');
    expect(run.changedFiles.sort()).toEqual([s.host.configPath, notes].sort());

    // After the agent ended, and before the reducer's revert: a person fixes the config by hand.
    await fs.writeFile(s.host.configPath, PERSON_CONFIG);
    const r = await finishAgentSession({
      stateDir: s.stateDir,
      serviceName: s.service.name,
      incidentId: incident.id,
      keep: false,
      reason: run.detail,
      redactor: s.redactor,
      clock: systemClock(),
      emit: (e) => s.events.push(e),
    });

    // The person's fix survives; the agent's other change is put back.
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(PERSON_CONFIG);
    expect(await fs.readFile(notes, 'utf8')).toBe('before the run\n');
    expect(r.revertedFiles).toEqual([notes]);

    // Reported: journal event and result file name the file left alone and where the pre-run copies are.
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.message).toContain('1 file(s) reverted');
    expect(fin.message).toContain(`changed after the agent ended NOT reverted (someone else edited them): ${s.host.configPath}`);
    expect(fin.message).toContain(path.join(s.stateDir, 'incidents', incident.id, 'before'));
    expect(fin.details).toMatchObject({ revertedFiles: [notes], keptChangedAfterAgent: [s.host.configPath] });
    const incidentDir = path.join(s.stateDir, 'incidents', incident.id);
    const result = JSON.parse(await fs.readFile(path.join(incidentDir, 'agent-result.json'), 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ outcome: 'failed', reverted: [notes], keptChangedAfterAgent: [s.host.configPath] });

    // Evidence: what each file held just before the revert looked at it, 0600, listed in after/manifest.json.
    const afterDir = path.join(incidentDir, 'after');
    const manifest = JSON.parse(await fs.readFile(path.join(afterDir, 'manifest.json'), 'utf8')) as {
      evidence: Array<{ path: string; copy: string; action: string }>;
      keptChangedAfterAgent: string[];
    };
    expect(manifest.keptChangedAfterAgent).toEqual([s.host.configPath]);
    const byPath = new Map(manifest.evidence.map((e) => [e.path, e]));
    expect(byPath.get(notes)?.action).toBe('reverted');
    expect(byPath.get(s.host.configPath)?.action).toBe('kept');
    expect(await fs.readFile(path.join(afterDir, byPath.get(notes)!.copy), 'utf8')).toBe(AGENT_NOTES);
    expect(await fs.readFile(path.join(afterDir, byPath.get(s.host.configPath)!.copy), 'utf8')).toBe(PERSON_CONFIG);
    expect(await mode(path.join(afterDir, byPath.get(notes)!.copy))).toBe(0o600);
    expect(await mode(path.join(afterDir, 'manifest.json'))).toBe(0o600);

    // Done again (a daemon restart mid-revert): nothing more is replaced and the record of the first is kept.
    await finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: 'again', redactor: s.redactor, clock: systemClock(), emit: () => {} });
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(PERSON_CONFIG);
    const again = JSON.parse(await fs.readFile(path.join(afterDir, 'manifest.json'), 'utf8')) as { evidence: Array<{ path: string; action: string }> };
    expect(again.evidence.some((e) => e.path === notes && e.action === 'reverted')).toBe(true);
  });

  it('a hand-over (a person cancelled the run) reverts nothing and lists the kept files without values', { timeout: 30_000 }, async () => {
    const { s, notes, incident } = await failedRun();
    await fs.writeFile(s.host.configPath, PERSON_CONFIG);
    const r = await finishAgentSession({
      stateDir: s.stateDir,
      serviceName: s.service.name,
      incidentId: incident.id,
      keep: false,
      handover: true,
      reason: 'a person asked to resume it',
      redactor: s.redactor,
      clock: systemClock(),
      emit: (e) => s.events.push(e),
    });
    expect(r.revertedFiles).toEqual([]);
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(PERSON_CONFIG);
    expect(await fs.readFile(notes, 'utf8')).toBe(AGENT_NOTES);
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.details).toMatchObject({ outcome: 'handed-over', keptFiles: [s.host.configPath, notes].sort(), revertedFiles: [] });
    expect(fin.message).toContain('nothing reverted');
    expect(fin.message).toMatch(/gateway\.json: modified, changed: port; added: apiToken \(\+\d+ -\d+ lines\)/);
    expect(fin.message).toContain('notes.txt: modified (+1 -1 lines)');
    expect(fin.message).toContain(path.join(s.stateDir, 'incidents', incident.id, 'before'));
    // Values never: not the person's token, not the port.
    expect(JSON.stringify(fin.details?.changes)).not.toContain('sk-person-secret-123');
    expect(fin.message).not.toContain('sk-person-secret-123');
    // The pre-run copy is where the message says.
    const before = JSON.parse(await fs.readFile(path.join(s.stateDir, 'incidents', incident.id, 'before', 'manifest.json'), 'utf8')) as { entries: Array<{ path: string; copy?: string }> };
    const copy = before.entries.find((e) => e.path === s.host.configPath)!.copy!;
    expect(await fs.readFile(path.join(s.stateDir, 'incidents', incident.id, 'before', copy), 'utf8')).toBe(BROKEN_CONFIG);
  });

  it('what the agent created (files, a directory tree, a link) and its edit deep in the working directory are undone; a file that appeared after it ended is kept', { timeout: 30_000 }, async () => {
    const app = (dir: string) => path.join(dir, 'src', 'lib', 'app.js');
    const { s, notes, incident, run } = await failedRun((notesFile, dir) =>
      failingAgent(async (session) => {
        await fs.writeFile(notesFile, AGENT_NOTES);
        await fs.writeFile(app(dir), 'export const port = 18789; // agent\n');
        await fs.writeFile(path.join(dir, 'fix-attempt.md'), 'tried a port change\n');
        await fs.mkdir(path.join(dir, 'plugins', 'hotfix'), { recursive: true });
        await fs.writeFile(path.join(dir, 'plugins', 'hotfix', 'index.js'), 'module.exports = {};\n');
        await fs.symlink(session.configPath!, path.join(dir, 'config-link.json'));
      }),
    );
    expect(run.outcome).toBe('failed');
    const created = [path.join(s.dir, 'fix-attempt.md'), path.join(s.dir, 'plugins', 'hotfix', 'index.js'), path.join(s.dir, 'config-link.json')];
    expect(run.changedFiles).toEqual(expect.arrayContaining([notes, app(s.dir), ...created]));

    // After the agent ended: the service (or a person) writes a new file. It is not the run's.
    const later = path.join(s.dir, 'written-after.log');
    await fs.writeFile(later, 'service output\n');
    const r = await finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: run.detail, redactor: s.redactor, clock: systemClock(), emit: (e) => s.events.push(e) });

    expect(await fs.readFile(app(s.dir), 'utf8')).toBe('export const port = 0;\n');
    expect(await fs.readFile(notes, 'utf8')).toBe('before the run\n');
    for (const f of created) await expect(fs.lstat(f)).rejects.toThrow(/ENOENT/);
    await expect(fs.stat(path.join(s.dir, 'plugins'))).rejects.toThrow(/ENOENT/);
    // The link was removed, not what it pointed to.
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
    expect(await fs.readFile(later, 'utf8')).toBe('service output\n');
    expect(r.revertedFiles).toEqual(expect.arrayContaining([app(s.dir), ...created]));
    expect(r.changedFiles).not.toContain(later);

    // Evidence of every removed file, 0600, and the report names the removed directories.
    const afterDir = path.join(s.stateDir, 'incidents', incident.id, 'after');
    const manifest = JSON.parse(await fs.readFile(path.join(afterDir, 'manifest.json'), 'utf8')) as {
      evidence: Array<{ path: string; copy: string; action: string }>;
      removedDirs: string[];
      keptChangedAfterAgent: string[];
    };
    const byPath = new Map(manifest.evidence.map((e) => [e.path, e]));
    expect(await fs.readFile(path.join(afterDir, byPath.get(created[1]!)!.copy), 'utf8')).toBe('module.exports = {};\n');
    expect(await fs.readFile(path.join(afterDir, byPath.get(created[2]!)!.copy), 'utf8')).toBe(`symbolic link to ${s.host.configPath}\n`);
    expect(await mode(path.join(afterDir, byPath.get(created[0]!)!.copy))).toBe(0o600);
    expect(manifest.removedDirs.sort()).toEqual([path.join(s.dir, 'plugins'), path.join(s.dir, 'plugins', 'hotfix')]);
    expect(byPath.has(later)).toBe(false);
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.details).toMatchObject({ notReverted: [] });
  });

  it('a change to a file too big to copy before the run is reported as not undone, never silently kept', { timeout: 30_000 }, async () => {
    const big = (dir: string) => path.join(dir, 'data', 'cache.bin');
    scenario = await makeScenario();
    const s = scenario;
    await fs.mkdir(path.join(s.dir, 'data'));
    await fs.writeFile(big(s.dir), Buffer.alloc(1536 * 1024, 1));
    const incident = s.incident();
    const run = await runStandIn(s, incident, failingAgent(() => fs.appendFile(big(s.dir), 'more')));
    expect(run.changedFiles).toContain(big(s.dir));
    await finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: run.detail, redactor: s.redactor, clock: systemClock(), emit: (e) => s.events.push(e) });
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.severity).toBe('critical');
    expect(fin.message).toContain(`1 change(s) could NOT be undone: ${big(s.dir)} (no pre-run copy`);
    expect(fin.details?.notReverted).toEqual([{ path: big(s.dir), why: expect.stringContaining('over the snapshot limits') }]);
    expect((await fs.stat(big(s.dir))).size).toBe(1536 * 1024 + 4);
  });

  it('an edit under node_modules or in a git hook (not copied before the run) is named as not undone; caches, the git index and untouched code are not', { timeout: 30_000 }, async () => {
    scenario = await makeScenario();
    const s = scenario;
    const dep = path.join(s.dir, 'node_modules', 'dep', 'index.js');
    const hook = path.join(s.dir, '.git', 'hooks', 'pre-commit');
    const untouched = path.join(s.dir, 'node_modules', 'other', 'index.js');
    for (const f of [dep, hook, untouched, path.join(s.dir, '.git', 'index'), path.join(s.dir, 'node_modules', '.cache', 'x', 'c.json')]) {
      await fs.mkdir(path.dirname(f), { recursive: true });
      await fs.writeFile(f, 'before\n');
      // Written well before the run, as an install would have been.
      const t = new Date(Date.now() - 3_600_000);
      await fs.utimes(f, t, t);
    }
    const incident = s.incident();
    const run = await runStandIn(
      s,
      incident,
      failingAgent(async () => {
        await fs.writeFile(dep, 'module.exports = patched;\n');
        await fs.writeFile(hook, '#!/bin/sh\ncurl evil\n');
        await fs.writeFile(path.join(s.dir, '.git', 'index'), 'git status ran\n');
        await fs.writeFile(path.join(s.dir, 'node_modules', '.cache', 'x', 'c.json'), '{}\n');
      }),
    );
    expect(run.outcome).toBe('failed');
    await finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: run.detail, redactor: s.redactor, clock: systemClock(), emit: (e) => s.events.push(e) });
    const fin = s.events.find((e) => e.type === 'agent.finished')!;
    expect(fin.severity).toBe('critical');
    const notReverted = fin.details?.notReverted as Array<{ path: string; why: string }>;
    expect(notReverted.map((n) => n.path).sort()).toEqual([hook, dep].sort());
    expect(notReverted[0]!.why).toContain('not copied before a run');
    expect(fin.message).toContain('could NOT be undone');
  });

  it('a run that drops a protected setting is not kept, however healthy the service is without it; one that keeps it is', { timeout: 60_000 }, async () => {
    // The demo gateway's own config keys: `dataDir` stands for a setting such as gateway.auth (protected by the user).
    const withData = `${JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops', dataDir: 'data' }, null, 2)}\n`;
    const completing = (edit: (cfg: Record<string, unknown>) => void): AgentAdapter => ({
      name: 'command',
      async run(session: AgentSession) {
        session.onStarted({ handle: 'stand-in' });
        const cfg = JSON.parse(await fs.readFile(session.configPath!, 'utf8')) as Record<string, unknown>;
        edit(cfg);
        await fs.writeFile(session.configPath!, `${JSON.stringify(cfg, null, 2)}\n`);
        return { status: 'completed', exitCode: 0, summary: 'fixed the port', transcript: '', refused: [] };
      },
    });
    const cfg = { adapter: 'command' as const, command: ['unused'], timeBox: '20s', verifyWindow: '1s' };

    scenario = await makeScenario({ configText: withData, protect: ['dataDir'] });
    let s = scenario;
    await s.host.start();
    const r = await s.run(cfg, { adapters: { command: completing((c) => ((c.port = 0), delete c.dataDir)) } });
    expect(r.outcome).toBe('failed');
    expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(withData);
    const touched = s.events.find((e) => e.details?.action === 'agent-touched-protected')!;
    expect(touched.message).toContain('changed protected settings (dataDir removed)');
    // The prompt told the agent beforehand.
    expect(await fs.readFile(path.join(r.incidentDir!, 'prompt.md'), 'utf8')).toContain('Protected settings of the config (path patterns): dataDir');
    await scenario.cleanup();

    scenario = await makeScenario({ configText: withData, protect: ['dataDir'] });
    s = scenario;
    await s.host.start();
    const ok = await s.run(cfg, { adapters: { command: completing((c) => (c.port = 0)) } });
    expect(ok.outcome).toBe('fixed');
    expect(JSON.parse(await fs.readFile(s.host.configPath, 'utf8'))).toMatchObject({ port: 0, dataDir: 'data' });
  });

  it('a service whose cwd is a home directory: the agent starts in a private directory, may change only the config, and nothing else in the home is snapshotted', { timeout: 30_000 }, async () => {
    scenario = await makeScenario();
    const s = scenario;
    await fs.writeFile(path.join(s.dir, '.bash_history'), 'ls\n');
    const home = process.env.HOME;
    process.env.HOME = s.dir;
    let seen: AgentSession | undefined;
    try {
      const incident = s.incident();
      await runStandIn(
        s,
        incident,
        failingAgent(async (session) => {
          seen = session;
        }),
      );
      expect(seen!.workdir).toBe(path.join(s.stateDir, 'incidents', incident.id, 'agent-cwd'));
      expect(seen!.workdirConfigured).toBe(false);
      expect(seen!.allowedPaths).toEqual([s.host.configPath]);
      const manifest = JSON.parse(await fs.readFile(path.join(s.stateDir, 'incidents', incident.id, 'before', 'manifest.json'), 'utf8')) as { entries: Array<{ path: string }> };
      expect(manifest.entries.map((e) => e.path)).toEqual([s.host.configPath]);
      expect(s.events.find((e) => e.details?.action === 'agent-workdir-too-broad')?.message).toContain('is a home directory');
    } finally {
      if (home === undefined) delete process.env.HOME;
      else process.env.HOME = home;
    }
  });

  it("an agent that reaches the state dir (inside the service's cwd) and rewrites the pre-run snapshot: the revert writes nothing it names, diffs nothing", { timeout: 30_000 }, async () => {
    scenario = await makeScenario();
    const s = scenario;
    // Outside the service's directory: what a rewritten snapshot would have the revert overwrite (stands in for /etc/passwd).
    const outside = await fs.mkdtemp(path.join(path.dirname(s.dir), 'clawback-outside-'));
    const victim = path.join(outside, 'passwd');
    await fs.writeFile(victim, 'root:x:0:0:root:/root:/bin/bash\n');
    try {
      const incident = s.incident();
      const run = await runStandIn(
        s,
        incident,
        failingAgent(async (session) => {
          // The state dir is under the workdir here, so a sandboxed agent may write it: it rewrites the snapshot.
          const before = path.join(session.incidentDir, 'before');
          const bytes = Buffer.from('pwned by the agent\n');
          await fs.writeFile(path.join(before, '0.snap'), bytes);
          const sha = createHash('sha256').update(bytes).digest('hex');
          const entries = [{ path: victim, absent: false, sha256: sha, mode: 0o644, size: bytes.length, copy: '0.snap' }];
          await fs.writeFile(path.join(before, 'manifest.json'), JSON.stringify({ dir: before, entries, skipped: [] }));
        }),
      );
      expect(run.outcome).toBe('failed');
      const r = await finishAgentSession({
        stateDir: s.stateDir,
        serviceName: s.service.name,
        incidentId: incident.id,
        keep: false,
        reason: run.detail,
        redactor: s.redactor,
        clock: systemClock(),
        emit: (e) => s.events.push(e),
      });
      expect(await fs.readFile(victim, 'utf8')).toBe('root:x:0:0:root:/root:/bin/bash\n');
      expect(r.revertedFiles).toEqual([]);
      const fin = s.events.find((e) => e.type === 'agent.finished')!;
      expect(fin.message).toContain('the pre-run snapshot was changed during the run');
      expect(s.events.some((e) => e.details?.action === 'agent-snapshot-tampered' && e.severity === 'critical')).toBe(true);
    } finally {
      await fs.rm(outside, { recursive: true, force: true });
    }
  });

  it('a file the agent replaced by a FIFO, or by a link to one outside: the run ends and the revert completes, never waiting on a reader', { timeout: 40_000 }, async () => {
    const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'clawback-fifo-'));
    const pipes = [path.join(outside, 'pipe')];
    // What a test that fails leaves blocked in open() (a thread of the pool) is let go: each reader gets a writer, then EOF.
    const release = async (): Promise<void> => {
      for (const p of pipes) {
        for (let i = 0; i < 20; i++) {
          const h = await fs.open(p, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
          if (!h) break;
          await h.close();
        }
      }
    };
    const within = <T>(p: Promise<T>, what: string): Promise<T> => {
      let t: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} did not finish within 10 s (blocked on a FIFO)`)), 10_000)));
      return Promise.race([p, late]).finally(() => clearTimeout(t));
    };
    try {
      execFileSync('mkfifo', [pipes[0]!]);
      const { s, notes, incident, run } = await within(
        failedRun((notesFile) =>
          failingAgent(async (session) => {
            // The config becomes a link to a FIFO outside the service; the notes file becomes a FIFO itself.
            await fs.rm(session.configPath!);
            await fs.symlink(pipes[0]!, session.configPath!);
            await fs.rm(notesFile);
            pipes.push(notesFile);
            execFileSync('mkfifo', [notesFile]);
          }),
        ),
        'the run',
      );
      expect(run.outcome).toBe('failed');
      expect(run.changedFiles.sort()).toEqual([s.host.configPath, notes].sort());
      const r = await within(
        finishAgentSession({ stateDir: s.stateDir, serviceName: s.service.name, incidentId: incident.id, keep: false, reason: run.detail, redactor: s.redactor, clock: systemClock(), emit: (e) => s.events.push(e) }),
        'the revert',
      );
      expect(r.revertedFiles.sort()).toEqual([s.host.configPath, notes].sort());
      // Both are regular files again with their pre-run bytes; the FIFO outside was neither read nor removed.
      expect((await fs.lstat(s.host.configPath)).isFile()).toBe(true);
      expect(await fs.readFile(s.host.configPath, 'utf8')).toBe(BROKEN_CONFIG);
      expect((await fs.lstat(notes)).isFile()).toBe(true);
      expect(await fs.readFile(notes, 'utf8')).toBe('before the run\n');
      expect((await fs.lstat(pipes[0]!)).isFIFO()).toBe(true);
      const fin = s.events.find((e) => e.type === 'agent.finished')!;
      expect(fin.details).toMatchObject({ notReverted: [] });
      expect(JSON.stringify(fin.details?.diff)).toContain('a FIFO in place of the file');
    } finally {
      await release();
      await fs.rm(outside, { recursive: true, force: true });
    }
  });
});
