// Another live OpenClaw process owns the gateway's state dir (its gateway.state.lock): named for a person, never stopped.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { commandLine } from '../platform/proc.js';
import { PID_FILE_MAX_BYTES, readRegularFile } from '../platform/read-regular.js';
import { shownCommandLine } from '../platform/shown-command.js';
import { expandPathGlob } from './path-glob.js';
import { judgeOwner, liveProcess, ownerInNestedPidNamespace, parseLock, type LiveProcess, type LockRecord } from './lock-owner.js';
import { liveInstanceMember } from './live-instance-members.js';
import { descendsFrom } from './live-instances.js';
import type { DoctorContext, Finding, RepairRule } from './types.js';

export const OPENCLAW_STATE_OWNER = 'openclaw-state-owner';

/** The gateway's state-dir lock (openclaw 2026.9.6 src/infra/gateway-lock.ts): `<stateDir>/tmp/openclaw-<uid>/gateway.state.lock`. */
export const OPENCLAW_STATE_LOCK = 'gateway.state.lock';

export interface StateOwnerOptions {
  /** Reads the process now holding a pid; tests may pass their own. */
  live?: (pid: number) => LiveProcess;
  /** Finds the owner in a nested pid namespace (its pid here); tests may pass their own. */
  nested?: (pid: number, startTime?: number) => number | undefined;
}

/** What the gateway writes there besides the pid (LockPayloadSchema): which port, config and state dir, and for what. */
interface StateLock extends LockRecord {
  port?: number;
  configPath?: string;
  stateDir?: string;
  /** Absent: a gateway; else agent-embedded, sqlite-maintenance (an `openclaw doctor` run) or skill-workshop-apply. */
  role?: string;
}

function parseStateLock(text: string, mtimeMs: number): StateLock {
  const out: StateLock = parseLock(text, mtimeMs);
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    if (typeof j.port === 'number' && Number.isInteger(j.port) && j.port > 0 && j.port <= 65535) out.port = j.port;
    if (typeof j.configPath === 'string' && j.configPath !== '') out.configPath = j.configPath;
    if (typeof j.stateDir === 'string' && j.stateDir !== '') out.stateDir = j.stateDir;
    if (typeof j.role === 'string' && j.role !== '') out.role = j.role;
  } catch {
    /* a bare pid: no more to tell */
  }
  return out;
}

async function readStateLock(file: string): Promise<StateLock | undefined> {
  try {
    const [bytes, st] = await Promise.all([readRegularFile(file, { maxBytes: PID_FILE_MAX_BYTES }), fs.stat(file)]);
    return parseStateLock(bytes.toString('utf8'), st.mtimeMs);
  } catch {
    return undefined;
  }
}

function ownerKind(role: string | undefined): string {
  if (role === undefined || role === 'gateway') return 'gateway';
  if (role === 'sqlite-maintenance') return '`openclaw doctor` run';
  if (role === 'agent-embedded') return 'embedded agent run';
  if (role === 'skill-workshop-apply') return 'skills run';
  return `process (${role})`;
}

export function openclawStateOwnerRule(opts: StateOwnerOptions = {}): RepairRule {
  const live = opts.live ?? liveProcess;
  const nested = opts.nested ?? ownerInNestedPidNamespace;

  /** The lock's live owner here when it is a stranger (not the instance, its workers, the daemon, nor Clawback's own copy). */
  const strangerOf = (ctx: DoctorContext, rec: StateLock, member: (pid: number) => boolean): { pid: number; reason: string } | undefined => {
    const pid = rec.pid;
    if (pid === undefined || pid === ctx.currentPid || pid === ctx.daemonPid || pid === process.pid) return undefined;
    const boot = ctx.clock.sinceBoot?.();
    const clocks = ctx.wallAnchor && boot !== undefined ? { anchor: ctx.wallAnchor, wall: ctx.clock.now(), boot } : undefined;
    const v = judgeOwner(rec, live(pid), clocks);
    // Gone (dead, pid reused): the stale-lock rule's. Alive in a nested pid namespace: named by its pid here.
    const here = v.gone ? nested(pid, rec.startTime) : pid;
    if (here === undefined) return undefined;
    // The live instance and its workers, and Clawback's own stale or unrecorded instances: the lock and port rules' own.
    if (member(here) || (ctx.isOwnInstance?.(here) ?? false)) return undefined;
    if ((ctx.unrecordedPids ?? []).some((root) => here === root || descendsFrom(here, root))) return undefined;
    return { pid: here, reason: here === pid ? v.reason : `pid ${pid} is alive in another pid namespace (a container): pid ${here} here` };
  };

  const findingsOf = async (ctx: DoctorContext): Promise<Finding[]> => {
    const files = new Set<string>();
    for (const pattern of ctx.service.lockFiles) {
      for (const file of await expandPathGlob(pattern)) if (path.basename(file) === OPENCLAW_STATE_LOCK) files.add(file);
    }
    if (files.size === 0) return [];
    const member = liveInstanceMember(ctx);
    const out: Finding[] = [];
    for (const file of files) {
      const rec = await readStateLock(file);
      if (!rec) continue;
      const owner = strangerOf(ctx, rec, member);
      if (!owner) continue;
      const line = commandLine(owner.pid);
      const cmd = line === undefined ? '(command unknown)' : shownCommandLine(line);
      const stateDir = rec.stateDir ?? path.dirname(path.dirname(path.dirname(file)));
      const kind = ownerKind(rec.role);
      const sibling = ctx.supervisedServiceOf?.(owner.pid);
      const facts = [
        `pid ${owner.pid}: ${cmd}`,
        `port ${rec.port ?? '(none in the lock)'}`,
        `config ${rec.configPath ?? '(none in the lock)'}`,
        ...(rec.createdAt !== undefined ? [`since ${new Date(rec.createdAt).toISOString()}`] : []),
        ...(sibling !== undefined ? [`an instance of service \`${sibling}\` of this Clawback`] : []),
      ];
      out.push({
        id: `${OPENCLAW_STATE_OWNER}:${file}:${owner.pid}`,
        rule: OPENCLAW_STATE_OWNER,
        severity: 'critical',
        title: `another OpenClaw ${kind} owns the state dir ${stateDir} (pid ${owner.pid}${rec.port !== undefined ? `, port ${rec.port}` : ''})`,
        evidence: `${file}: ${facts.join('; ')} (${owner.reason}). While it runs, ${ctx.service.name} exits 78 ("another OpenClaw process owns gateway-lifecycle") and \`openclaw doctor --fix\` fails the same way`,
        fix: `if that ${kind} should not run, stop it yourself (kill ${owner.pid}); else give ${ctx.service.name} a state dir of its own (OPENCLAW_STATE_DIR). Clawback never stops it`,
        fixable: false,
        blocksRepairs: true,
      });
    }
    return out;
  };

  return {
    id: OPENCLAW_STATE_OWNER,
    detect: findingsOf,
    async fix(_ctx, finding) {
      return { finding, applied: false, verified: false, message: 'left alone: the process that owns the state dir is a person\'s to stop' };
    },
    async verify(ctx, finding) {
      return !(await findingsOf(ctx)).some((f) => f.id === finding.id);
    },
  };
}
