// Level 3 plugged into the daemon: the agent's whole reach (EmergencyHost) implemented over the real service.
import { readLogTail } from '../observe/last-log-lines.js';
import { unreadableLogText } from '../platform/log-refusal.js';
import type { ServiceConfig } from '../config/schema.js';
import type { DaemonContext } from './daemon.js';
import type { AgentRepairer, ServiceRuntime } from './service-runtime.js';
import type { EmergencyHost } from '../emergency/tool-host.js';
import type { AgentRunRecord } from '../emergency/run-emergency.js';
import { doctorContext, type SnapshotStores } from './doctor-wiring.js';
import { serviceLogFile } from './spawn-spec.js';
import { checkConfigContent } from '../doctor/config-validity.js';
import { spawnRunner } from '../doctor/command-runner.js';
import { changedMeanwhileMessage, readCurrent, replaceIfUnchanged, snapshotBeforeRepair } from '../doctor/safe-user-write.js';
import { configWriteBlock } from '../doctor/config-write-guard.js';
import { runDoctor, defaultRules } from '../doctor/run-doctor.js';
import { sha256 } from '../platform/config-file.js';
import { readJournal } from '../observe/journal-read.js';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { serviceRunPath } from '../emergency/emergency-locks.js';
import { readRegularFile } from '../platform/read-regular.js';
import { AGENT_RESTARTS_PER_RUN } from '../decide/policy.js';

/**
 * The last `lines` lines of the service's output, from the last 256 KiB (reaching into file.1 after a rotation). A log
 * that is there but could not be read throws its cause: the prompt and read_logs say it, not an empty log.
 */
async function tail(file: string, lines: number): Promise<string> {
  const read = await readLogTail(file, 256 * 1024);
  if (!read) return '';
  if ('refused' in read) throw new Error(`the log could not be read: ${unreadableLogText(file, read.refused, 'the daemon')}`);
  // A read that starts inside a line starts inside what it holds, maybe a secret no redaction would then recognise:
  // that partial line is left out (a single line longer than the window, whole).
  let text = read.text;
  if (read.cut) {
    const nl = text.indexOf('\n');
    text = nl < 0 ? '' : text.slice(nl + 1);
  }
  return text.split('\n').slice(-lines - 1).join('\n');
}

export function emergencyHost(service: ServiceConfig, ctx: DaemonContext, runtime: () => ServiceRuntime, stores: SnapshotStores): EmergencyHost {
  const runner = spawnRunner({ clock: ctx.clock });
  const configPath = service.configFile?.path;
  const requireConfig = (): string => {
    if (!configPath) throw new Error(`service ${service.name} has no configFile in the clawback config`);
    return configPath;
  };
  // Past the run's time-box nothing is written: the run is judged (and its files put back) without waiting for it.
  const overText = 'refused: the time-box is over; nothing was written';
  // write_config validates before it writes, and the write checks again: the same bytes found valid in this run are not
  // validated twice (OpenClaw's validator takes 4-25 s of the time-box).
  let lastValid: { checksum: string; check: Awaited<ReturnType<typeof checkConfigContent>> } | undefined;
  const checkOnce = async (content: Buffer, signal?: AbortSignal): Promise<Awaited<ReturnType<typeof checkConfigContent>>> => {
    const checksum = sha256(content);
    if (lastValid?.checksum === checksum) return lastValid.check;
    const c = await checkConfigContent(service, content, runner, signal ? { signal } : {});
    if (c.state === 'valid' && !signal?.aborted) lastValid = { checksum, check: c };
    return c;
  };
  // The checksums of what this run wrote: a later write over its own bytes saves no pre-repair copy of them. Each copy
  // was one more in the store's bounded pre-repair history, so a model rewriting the config 20 times pruned every copy
  // before the run (the broken bytes kept as evidence, the doctor's and a person's earlier ones). The run's first
  // write still saves the bytes it replaces, and the run's own snapshot keeps them for its revert.
  const writtenByRun = new Set<string>();
  const write = async (content: Buffer, reason: string, signal?: AbortSignal, expected?: string): Promise<string> => {
    const file = requireConfig();
    // Not ours to write (read-only, a Nix store link, declared immutable): the doctor's own rule, for the agent too.
    const blocked = await configWriteBlock(service);
    if (blocked) return `refused: ${blocked}; nothing was written`;
    const check = await checkOnce(content, signal);
    if (signal?.aborted) return overText;
    if (check.state !== 'valid') return `refused: the new config is ${check.state}: ${check.error ?? ''}`.trim();
    const dctx = doctorContext(service, ctx, runtime, stores);
    const current = await readCurrent(file);
    if (current.notAFile) return `refused: ${file} is ${current.notAFile} in place of the config file; nothing was written`;
    // Compare-and-swap, as the doctor's writers: a person's save since the agent read the file (model turns, the
    // validator's seconds) is never overwritten.
    const changed = `refused: ${changedMeanwhileMessage(file)}; read_config again and base the change on what is there now`;
    if (expected !== undefined && current.content?.toString('utf8') !== expected) return changed;
    const own = current.content !== undefined && writtenByRun.has(sha256(current.content));
    const snap = own ? undefined : await snapshotBeforeRepair(dctx.snapshots, file, current, reason);
    if (signal?.aborted) return overText;
    if (!(await replaceIfUnchanged(current, content, current.mode, current.owner))) return changed;
    writtenByRun.add(sha256(content));
    const previous = own ? "previous version was this run's own earlier write (not saved again)" : `previous version snapshotted as ${snap?.id ?? '(none: file was missing)'}`;
    return `wrote ${file} (${content.length} bytes, sha256 ${sha256(content).slice(0, 12)}); ${previous}`;
  };
  return {
    serviceName: service.name,
    ...(configPath ? { configPath } : {}),
    logFile: serviceLogFile(service, ctx.stateDir),
    tailLog: (lines) => tail(serviceLogFile(service, ctx.stateDir), Math.min(500, Math.max(1, lines))),
    // Never blocks on what a CLI agent put in the config's place (a FIFO, a link to a device): named in the error instead.
    readConfig: async () => (await readRegularFile(requireConfig())).toString('utf8'),
    validateConfig: async (text, signal) => {
      const check = await checkOnce(Buffer.from(text), signal);
      return check.state === 'valid' ? { ok: true } : { ok: false, error: `${check.state}: ${check.error ?? ''}` };
    },
    listSnapshots: async () =>
      (await stores.for(service, ctx).list()).map((e) => ({ id: e.id, savedAt: e.time, sha256: e.sha256 })),
    readSnapshot: async (id) => {
      const store = stores.for(service, ctx);
      const entry = (await store.list()).find((e) => e.id === id);
      return entry ? (await store.read(entry)).toString('utf8') : undefined;
    },
    restoreSnapshot: async (id, signal, expected) => {
      const store = stores.for(service, ctx);
      const entry = (await store.list()).find((e) => e.id === id);
      if (!entry) return `refused: no snapshot ${id}`;
      return write(await store.read(entry), `before restoring snapshot ${id} (agent)`, signal, expected);
    },
    writeConfig: async (text, signal, expected) => write(Buffer.from(text), 'before an agent write', signal, expected),
    runDoctor: async (signal) => {
      if (signal?.aborted) return 'refused: the time-box is over; the doctor did not run';
      // The run holds the service's repair lock (runAgentSession) for its whole session: this pass is part of it.
      const report = await runDoctor({ ...doctorContext(service, ctx, runtime, stores), ...(signal ? { signal } : {}) }, { fix: true, rules: defaultRules(), lockHeld: true });
      return `doctor exit ${report.exitCode}: ${report.findings.map((f) => f.title).join('; ') || 'no findings'}`;
    },
    restartService: async () => {
      // A request to the reducer: the agent of the run in flight may restart; its restarts are the repair's business.
      const rt = runtime();
      const work = rt.status().work;
      const runId = work?.kind === 'agent' ? work.id : undefined;
      const asked = work?.restarts ?? 0;
      const r = await rt.restart('agent', runId);
      const s = rt.status();
      // The reducer counts the run's restarts; one it did not count was refused (the run's own limit, or no run).
      if (s.work?.id === runId && (asked >= AGENT_RESTARTS_PER_RUN || (s.work?.restarts ?? 0) <= asked)) {
        return asked >= AGENT_RESTARTS_PER_RUN ? `refused: this run has restarted ${service.name} ${AGENT_RESTARTS_PER_RUN} times, the most a run may; call finish and Clawback verifies it` : `not restarted: ${r.message}`;
      }
      return s.state === 'running' ? `restarted (pid ${s.pid ?? 'none yet'})` : `did not start: ${r.message}`;
    },
    checkHealth: async () => {
      const s = runtime().status();
      const healthy = s.state === 'running' && s.health === 'healthy';
      return { healthy, detail: `state ${s.state}, health ${s.health}${s.probes.map((p) => `; ${p.name}: ${p.lastResult?.message ?? 'not yet checked'}`).join('')}` };
    },
  };
}

export function emergencyRepairer(service: ServiceConfig, ctx: DaemonContext, runtime: () => ServiceRuntime, stores: SnapshotStores): AgentRepairer | undefined {
  const config = service.emergency;
  if (!config) return undefined;
  // Each run's end facts by incident, for its verdict: a full disk may have kept them out of agent-run.json.
  const runFacts = new Map<string, AgentRunRecord>();
  // Each run's lock on the service's cwd (by run id), held from the run's start until its verdict is carried out
  // (finish). A verdict can come before its run returns (the reducer's at the deadline): such a run's lock goes at once.
  const heldDirs = new Map<string, { release(): Promise<void> }>();
  const judged = new Set<string>();
  // The runs this daemon started: a verdict on any other (left in flight by a daemon that died) takes the cwd lock itself.
  const ranHere = new Set<string>();
  const letGo = async (runId: string): Promise<void> => {
    const held = heldDirs.get(runId);
    heldDirs.delete(runId);
    await held?.release();
  };
  return {
    run: async (incident, runId, signal) => {
      ranHere.add(runId);
      // Bounded: runs are few (the budget); a verdict follows its run soon.
      if (ranHere.size > 16) ranHere.delete(ranHere.values().next().value!);
      // The run is counted on disk before it starts: the runtime wrote the ledger when the reducer counted it.
      const timeline = (await readJournal(path.join(ctx.stateDir, 'journal.jsonl'), { since: incident.openedAt - 60_000 })).filter((e) => e.service === service.name);
      const status = runtime().status();
      const http = service.probes.find((p) => p.kind === 'http') as { url?: string } | undefined;
      // Loaded for a run only: the agents, their tool set (zod) and the PTY are not the daemon's memory at rest.
      const { runAgentSession } = await import('../emergency/run-emergency.js');
      const r = await runAgentSession({
        incident,
        service,
        config,
        host: emergencyHost(service, ctx, runtime, stores),
        clock: ctx.clock,
        redactor: ctx.redactor,
        stateDir: ctx.stateDir,
        emit: ctx.emit,
        signal,
        // Its verdict (finish) lets the directory go: no other run there starts beside this one's verification or revert.
        holdDirUntilVerdict: true,
        context: {
          timeline: timeline.slice(-80),
          probes: status.probes.map((p) => ({ name: `${p.name} (${p.kind}, ${p.verdict})`, status: p.lastResult?.status ?? 'not checked', message: p.lastResult?.message ?? '' })),
          doctorFindings: timeline.filter((e) => e.type === 'doctor.finding').map((e) => e.message).slice(-20),
          ...(http?.url ? { healthCheck: `GET ${http.url} -> 2xx/3xx` } : {}),
        },
      });
      if (r.heldDir) {
        // One run of the service at a time: a lock still held for an earlier run lost its verdict; let it go.
        for (const id of [...heldDirs.keys()]) await letGo(id);
        if (judged.has(runId)) await r.heldDir.release();
        else heldDirs.set(runId, r.heldDir);
      }
      if (r.runFacts) {
        runFacts.set(incident.id, r.runFacts);
        // Bounded: a verdict takes its facts; runs are few (the budget).
        if (runFacts.size > 8) runFacts.delete(runFacts.keys().next().value!);
      }
      return { outcome: r.outcome, summary: r.summary, detail: r.detail, launched: r.launched, ...(r.busyUntil !== undefined ? { busyUntil: r.busyUntil } : {}) };
    },
    finish: async (runId, incidentId, keep, reason, handover, notStarted) => {
      const { finishAgentSession, agentWorkdir } = await import('../emergency/run-emergency.js');
      const workdir = agentWorkdir(service);
      try {
        await finishAgentSession({
          stateDir: ctx.stateDir,
          serviceName: service.name,
          incidentId,
          keep,
          reason,
          redactor: ctx.redactor,
          clock: ctx.clock,
          emit: ctx.emit,
          learningsKeep: config.learnings.keep,
          incidentReason: runtime().currentIncident()?.reason ?? '',
          ...(handover ? { handover: true } : {}),
          ...(notStarted ? { notStarted: true } : {}),
          ...(runFacts.has(incidentId) ? { runFacts: runFacts.get(incidentId)! } : {}),
          ...(service.configFile ? { configPath: service.configFile.path } : {}),
          ...(workdir !== undefined && !ranHere.has(runId) ? { workdir } : {}),
        });
      } finally {
        judged.add(runId);
        // Bounded: runs are few (the budget); only a run still in flight needs its mark.
        if (judged.size > 16) judged.delete(judged.values().next().value!);
        await letGo(runId);
      }
      runFacts.delete(incidentId);
    },
    release: async () => {
      for (const id of [...heldDirs.keys()]) await letGo(id);
    },
    judgeOrphan: async (inFlight) => {
      // Most boots have no run mark: the run's modules stay unloaded then.
      if (!existsSync(serviceRunPath(ctx.stateDir, service.name))) return;
      const { judgeOrphanRun, agentWorkdir } = await import('../emergency/run-emergency.js');
      const dir = agentWorkdir(service);
      await judgeOrphanRun({ stateDir: ctx.stateDir, serviceName: service.name, clock: ctx.clock, redactor: ctx.redactor, emit: ctx.emit, ...(inFlight ? { inFlight } : {}), ...(service.configFile ? { configPath: service.configFile.path } : {}), ...(dir !== undefined ? { workdir: dir } : {}) });
    },
  };
}
