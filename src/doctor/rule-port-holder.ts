// A port taken by someone else: a stale instance of this service is stopped; any other program is only reported, never killed.
import { commandLine, environOf, processStartTime, readProcStat } from '../platform/proc.js';
import { liveInstanceMember } from './live-instance-members.js';
import { START_ID_MARKER } from '../daemon/spawn-spec.js';
import type { DoctorContext, Finding, RepairRule } from './types.js';
import { findPortListeners } from './port-listeners.js';
import { serviceBindHosts } from './bind-hosts.js';
import { runnerOf } from './command-runner.js';
import { stopProcess } from './stop-process.js';
import { descendsFrom } from './live-instances.js';
import { shownCommandLine } from '../platform/shown-command.js';

export const PORT_HOLDER = 'port-holder';

/**
 * A marked holder outside the live instance's tree and group that carries no instance id, while a live instance runs: a
 * worker the live instance started in its own session, from a Clawback from before the id or with an environment that
 * dropped the id but kept CLAWBACK_SERVICE, cannot be told from one an earlier instance left, so it is reported, never
 * stopped. Only another instance's id (or no live instance at all) makes a marked holder certainly stale.
 */
function mayBeLive(ctx: DoctorContext, pid: number): boolean {
  const cur = ctx.currentPid;
  if (cur === undefined || readProcStat(cur) === undefined) return false;
  return environOf(pid, START_ID_MARKER) === undefined;
}

/** pid's process group when that group is led by `leader` (the leader itself included). */
function inGroupOf(pid: number, leader: number): boolean {
  return pid === leader || readProcStat(pid)?.pgid === leader;
}

/** The holder runs this service's own command line: most likely the user's copy started by hand, or another supervisor's. */
function looksLikeThisService(ctx: DoctorContext, cmd: string | undefined): boolean {
  const argv = ctx.service.command;
  if (!cmd || argv.length === 0) return false;
  return cmd === argv.join(' ') || (argv.length > 1 && cmd.endsWith(argv.slice(1).join(' ')));
}

/** One of several unrecorded instances (or its descendant): it may be the live one, so it is never stopped. */
function unproven(ctx: DoctorContext, pid: number): boolean {
  return (ctx.unrecordedPids ?? []).some((root) => descendsFrom(pid, root) || inGroupOf(pid, root));
}

function pidOf(f: Finding): number {
  return Number(f.id.slice(f.id.lastIndexOf(':') + 1));
}

/**
 * `uncertain`: holders seen only because the service's addresses are not known (OpenClaw's bind tailnet, a service no
 * probe names an address of): none of their sockets is on 127.0.0.1 or a wildcard, so the service's own bind may well
 * succeed beside them (the preflight's uncertain verdict). Called critical, they read as the cause of a failure.
 */
async function holders(ctx: DoctorContext, port: number): Promise<{ pids: number[]; unresolved: number; uncertain: Set<number> }> {
  const hosts = await serviceBindHosts(ctx.service);
  const found = await findPortListeners(port, runnerOf(ctx), hosts);
  const certain = hosts === undefined ? new Set((await findPortListeners(port, runnerOf(ctx), ['127.0.0.1'])).pids) : undefined;
  // Another service of the same daemon descends from it too, but it is named (two services on one port), not hidden.
  const live = liveInstanceMember(ctx);
  // A process holding only sockets the live instance holds too (a detached worker that inherited its listening socket) is
  // part of that instance: stopping it frees no port and takes a piece of the healthy service down.
  const sockets = found.sockets ?? [];
  const sharesLive = (p: number): boolean => {
    const mine = sockets.filter((s) => s.includes(p));
    return mine.length > 0 && mine.every((s) => s.some(live));
  };
  const pids = found.pids.filter((p) => !live(p) && !sharesLive(p));
  return { pids, unresolved: found.unresolved, uncertain: new Set(certain ? pids.filter((p) => !certain.has(p)) : []) };
}

export function portHolderRule(): RepairRule {
  return {
    id: PORT_HOLDER,

    async detect(ctx) {
      const port = ctx.service.port;
      if (port === undefined) return [];
      const { pids, unresolved, uncertain } = await holders(ctx, port);
      const out: Finding[] = [];
      for (const pid of pids) {
        const line = commandLine(pid);
        const cmd = line === undefined ? '(command unknown)' : shownCommandLine(line);
        if (unproven(ctx, pid)) {
          out.push({
            id: `${PORT_HOLDER}:${port}:${pid}`,
            rule: PORT_HOLDER,
            severity: 'critical',
            title: `port ${port} is held by an unrecorded instance of ${ctx.service.name}`,
            evidence: `pid ${pid}: ${cmd} (started from this state dir, like pid ${ctx.currentPid ?? '?'}; nothing records which of them is the live instance)`,
            fix: `stop the copy that should not run yourself (kill ${pid} or kill ${ctx.currentPid ?? '?'}); Clawback does not guess which one is live`,
            fixable: false,
          });
          continue;
        }
        const sibling = ctx.supervisedServiceOf?.(pid);
        if (sibling !== undefined) {
          out.push({
            id: `${PORT_HOLDER}:${port}:${pid}`,
            rule: PORT_HOLDER,
            severity: 'critical',
            title: `port ${port} is held by service \`${sibling}\` (pid ${pid})`,
            evidence: `pid ${pid}: ${cmd} (an instance of ${sibling}, supervised by this Clawback like ${ctx.service.name}; both are configured on port ${port})`,
            fix: `give ${ctx.service.name} or ${sibling} another port; Clawback never stops ${sibling} to free it`,
            fixable: false,
          });
          continue;
        }
        const own = pid !== process.pid && (ctx.isOwnInstance?.(pid) ?? false);
        if (own && mayBeLive(ctx, pid)) {
          out.push({
            id: `${PORT_HOLDER}:${port}:${pid}`,
            rule: PORT_HOLDER,
            severity: 'warning',
            title: `port ${port} is held by a process of ${ctx.service.name} that may belong to its live instance`,
            evidence: `pid ${pid}: ${cmd} (started from this state dir, outside the process tree and group of the live instance pid ${ctx.currentPid ?? '?'}; it carries no instance id (${START_ID_MARKER}), so whether it is a worker of that instance or left by an earlier one cannot be told)`,
            fix: `if it is not part of the running ${ctx.service.name}, stop it yourself (kill ${pid}); a worker that keeps the ${START_ID_MARKER} it inherits is told apart`,
            fixable: false,
          });
          continue;
        }
        const lookalike = !own && looksLikeThisService(ctx, line);
        if (!own && uncertain.has(pid)) {
          out.push({
            id: `${PORT_HOLDER}:${port}:${pid}`,
            rule: PORT_HOLDER,
            severity: 'warning',
            title: `port ${port} may be held by another program (uncertain)`,
            evidence: `pid ${pid}: ${cmd} listens on port ${port}, but not on 127.0.0.1 or a wildcard address, and which address ${ctx.service.name} binds is not known here${ctx.service.openclaw ? ' (its gateway.bind has no fixed address, e.g. tailnet)' : ' (no probe of it names an address on this port)'}: its start may well succeed beside it`,
            fix: `if ${ctx.service.name} fails to start with "address in use", stop that program or move ${ctx.service.name} to another port; Clawback never kills a process it does not own`,
            fixable: false,
          });
          continue;
        }
        out.push(
          own
            ? {
                id: `${PORT_HOLDER}:${port}:${pid}`,
                rule: PORT_HOLDER,
                severity: 'warning',
                title: `a stale instance of ${ctx.service.name} holds port ${port}`,
                evidence: `pid ${pid}: ${cmd}`,
                fix: `stop pid ${pid} (${ctx.service.stop.signal}, ${ctx.service.stop.grace} ms grace, then SIGKILL)`,
                fixable: true,
              }
            : {
                id: `${PORT_HOLDER}:${port}:${pid}`,
                rule: PORT_HOLDER,
                severity: 'critical',
                title: `port ${port} is held by another program`,
                evidence: `pid ${pid}: ${cmd}${lookalike ? ` (${ctx.service.name}'s own command line, but not started by this Clawback: a copy started by hand or by another supervisor)` : ''}`,
                fix: lookalike
                  ? `if that copy should not run, stop it yourself (kill ${pid}); Clawback never stops an instance it did not start`
                  : `stop that program or move ${ctx.service.name} to another port; Clawback never kills a process it does not own`,
                fixable: false,
              },
        );
      }
      if (pids.length === 0 && unresolved > 0) {
        out.push({
          id: `${PORT_HOLDER}:${port}:unknown`,
          rule: PORT_HOLDER,
          severity: 'critical',
          title: `port ${port} is held by a process we cannot inspect`,
          evidence: `${unresolved} listening socket(s) on port ${port} belong to a process of another user`,
          fix: `find it with \`sudo lsof -nP -iTCP:${port} -sTCP:LISTEN\``,
          fixable: false,
        });
      }
      return out;
    },

    async fix(ctx, finding) {
      const port = ctx.service.port;
      const pid = pidOf(finding);
      if (port === undefined || !Number.isInteger(pid)) return { finding, applied: false, verified: false, message: 'nothing to stop' };
      // Look again: the pid must still hold the port and still be ours, or we leave it alone. Its start time is read
      // first, so the stop signals only the process judged here, never one that took its pid since.
      const startTime = processStartTime(pid);
      const { pids } = await holders(ctx, port);
      if (!pids.includes(pid)) return { finding, applied: false, verified: true, message: `pid ${pid} no longer holds port ${port}` };
      if (pid === process.pid || unproven(ctx, pid) || mayBeLive(ctx, pid) || ctx.supervisedServiceOf?.(pid) !== undefined || !(ctx.isOwnInstance?.(pid) ?? false)) {
        return { finding, applied: false, verified: false, message: `pid ${pid} is not an instance of ${ctx.service.name}; left running` };
      }
      const line = commandLine(pid);
      const cmd = line === undefined ? '(command unknown)' : shownCommandLine(line);
      const r = await stopProcess(pid, { clock: ctx.clock, graceMs: ctx.service.stop.grace, signal: ctx.service.stop.signal, ...(startTime !== undefined ? { startTime } : {}) });
      return {
        finding,
        applied: r.stopped,
        verified: false,
        message: `stale instance on port ${port} (pid ${pid}: ${cmd}): ${r.message}`,
        details: { pid, command: line ?? cmd, port, via: r.via },
      };
    },

    async verify(ctx, finding) {
      const port = ctx.service.port;
      if (port === undefined) return true;
      const { pids, unresolved } = await holders(ctx, port);
      const pid = pidOf(finding);
      // The "unknown holder" finding is resolved only when nobody else holds the port any more.
      if (!Number.isInteger(pid)) return pids.length === 0 && unresolved === 0;
      return !pids.includes(pid);
    },
  };
}
