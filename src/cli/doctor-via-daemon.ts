// `clawback doctor --fix` next to a live daemon: the run is handed to the daemon's reducer (verified, rolled back), never run behind its back.
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';
import type { ClawbackEvent } from '../observe/events.js';
import type { Finding, FindingSeverity, FixOutcome } from '../doctor/types.js';
import { doctorExitCode, type DoctorReport } from '../doctor/run-doctor.js';
import { policyFor, REVERT_DEADLINE_MS } from '../decide/policy.js';
import { verifyStartAllowance } from '../decide/decide.js';
import type { Client } from './client.js';
import type { Clock } from '../platform/clock.js';

/** The daemon's run, as the CLI prints it: the doctor's report plus what the daemon did after (verified, rolled back). */
export interface DaemonDoctorRun extends DoctorReport {
  runId: string;
  /** The daemon's own words about the run after the repair (verification, rollback, the next rung), in order. */
  daemonSays: string[];
  rolledBack: boolean;
}

/** Where a run's events start in the journal: its size now (read again from the start when it was rotated meanwhile). */
export function journalMark(stateDir: string): number {
  try {
    const fd = openSync(path.join(stateDir, 'journal.jsonl'), 'r');
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  } catch {
    return 0;
  }
}

function journalSince(stateDir: string, mark: number): ClawbackEvent[] {
  let text = '';
  try {
    const fd = openSync(path.join(stateDir, 'journal.jsonl'), 'r');
    try {
      const size = fstatSync(fd).size;
      const from = size >= mark ? mark : 0;
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return [];
  }
  const out: ClawbackEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as ClawbackEvent);
    } catch {
      // a line cut by a concurrent append: the rest still reads
    }
  }
  return out;
}

/** Pure: the run's report from the journal's events after the request (its findings, its repairs, the verdict on them). */
export function reportFromJournal(service: string, runId: string, events: readonly ClawbackEvent[]): DaemonDoctorRun {
  const start = events.findIndex((e) => e.service === service && e.type === 'incident.action' && e.details?.action === 'doctor' && e.details?.runId === runId);
  const after = start < 0 ? [] : events.slice(start + 1).filter((e) => e.service === service);
  const incidentId = start < 0 ? undefined : events[start]!.incidentId;
  // This run's events only: a later run (the ladder's next attempt) starts with its own 'doctor' action.
  const next = after.findIndex((e) => e.type === 'incident.action' && e.details?.action === 'doctor');
  const mine = (next < 0 ? after : after.slice(0, next)).filter((e) => incidentId === undefined || e.incidentId === undefined || e.incidentId === incidentId);
  const findings: Finding[] = [];
  const byId = new Map<string, Finding>();
  const outcomes: FixOutcome[] = [];
  const daemonSays: string[] = [];
  let rolledBack = false;
  for (const e of mine) {
    const d = e.details ?? {};
    if (e.type === 'doctor.finding' && typeof d.findingId === 'string' && !byId.has(d.findingId)) {
      const title = typeof d.title === 'string' ? d.title : e.message;
      const prefix = `${service}: ${title} (`;
      const evidence = e.message.startsWith(prefix) && e.message.endsWith(')') ? e.message.slice(prefix.length, -1) : e.message;
      const f: Finding = { id: d.findingId, rule: String(d.rule ?? ''), severity: e.severity as FindingSeverity, title, evidence, fixable: d.fixable === true, ...(typeof d.fix === 'string' ? { fix: d.fix } : {}) };
      byId.set(f.id, f);
      findings.push(f);
    } else if (e.type === 'doctor.repair' && typeof d.findingId === 'string' && d.undone !== true) {
      const f = byId.get(d.findingId);
      if (!f) continue;
      const prefix = `${service}: ${f.title}: `;
      outcomes.push({ finding: f, applied: d.applied === true, verified: d.verified === true, message: e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message });
    } else if ((e.type === 'incident.action' && d.runId === runId) || e.type === 'incident.escalated' || e.type === 'incident.resolved') {
      if (e.type === 'incident.action' && (d.action === 'doctor-revert' || d.action === 'doctor-reverted')) rolledBack = true;
      daemonSays.push(e.message);
    }
  }
  // A repair the daemon undid (the service was not healthy after it) is no fix, whatever the rule's own check said.
  const final = rolledBack ? outcomes.map((o) => (o.applied ? { ...o, verified: false, message: `${o.message} (rolled back: the service was not healthy after it)` } : o)) : outcomes;
  return { runId, findings, outcomes: final, exitCode: doctorExitCode(findings, final), daemonSays, rolledBack };
}

interface StatusShape {
  services?: Array<{ name: string; state?: string; pid?: number | null; work?: { kind: string; id: string; doctorRunId?: string } | null }>;
}

/** How long the CLI follows a run: the reducer's own deadlines for the run, its verification and its revert, plus a margin. */
export function followBoundMs(service: ServiceConfig): number {
  const p = policyFor(service, { doctor: true, agent: false });
  return p.doctorTimeoutMs + p.doctorVerifyWindowMs + verifyStartAllowance(p.doctorVerifyWindowMs, p.startupGraceMs) + REVERT_DEADLINE_MS + p.stopGraceMs + 15_000;
}

export type HandOver = { taken: true; run: DaemonDoctorRun } | { taken: false; message: string; state?: string; pid?: number | null };

/**
 * Asks the daemon to run the doctor for one service, then follows the run (its work in the status) until the daemon is
 * done with it: the repair, its verification and, when it did not hold, its rollback.
 */
export async function doctorViaDaemon(client: Client, service: ServiceConfig, stateDir: string, clock: Clock): Promise<HandOver> {
  const mark = journalMark(stateDir);
  const r = await client.post<{ ok: boolean; message?: string; error?: string; runId?: string }>(`/api/services/${encodeURIComponent(service.name)}/doctor`);
  if (r.status >= 400 || !r.body.ok || !r.body.runId) {
    const st = (await client.get<StatusShape>('/api/status').catch(() => ({}) as StatusShape)).services?.find((s) => s.name === service.name);
    return { taken: false, message: r.body.message ?? r.body.error ?? `HTTP ${r.status}`, ...(st?.state ? { state: st.state } : {}), ...(st ? { pid: st.pid ?? null } : {}) };
  }
  const runId = r.body.runId;
  const until = clock.monotonic() + followBoundMs(service);
  for (;;) {
    const st = (await client.get<StatusShape>('/api/status')).services?.find((s) => s.name === service.name);
    const w = st?.work;
    if (!w || (w.id !== runId && w.doctorRunId !== runId)) break;
    if (clock.monotonic() > until) throw new Error(`the daemon's doctor run ${runId} for ${service.name} is still in flight after ${Math.round(followBoundMs(service) / 1000)} s; follow it with \`clawback status\``);
    await clock.sleep(200);
  }
  return { taken: true, run: reportFromJournal(service.name, runId, journalSince(stateDir, mark)) };
}
