// The hang probe: a process that is alive but stopped, or alive and not answering in time, is hung.
//
// Rules, in order:
//   no pid / process dead            -> unknown (the exit path of the supervisor handles death)
//   state T/t (SIGSTOP, traced)      -> failure 'hang', for the instance or any process of its tree: the one that
//                                       serves is often a child (npm start, sh -c, a launcher), and a stopped
//                                       server still completes TCP handshakes, so a tcp probe passes meanwhile
//   no url and no port configured    -> success (alive and not stopped)
//   the url/port check times out     -> failure 'hang'
//   connection refused / reset       -> failure 'down' (alive but not listening)
//   any HTTP status / accepted conn  -> success: it answers (the http probe judges the status)
//   a TLS certificate not accepted   -> success: the handshake was answered (the http probe judges the certificate)
//   the check could not run (DNS)    -> unknown
import type { ProbeDeps } from './probe-types.js';
import { systemClock } from '../platform/clock.js';
import { isAlive, readProcStat, treeMembers } from '../platform/proc.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe-types.js';
import { httpExchange } from './http-exchange.js';
import { tcpConnectCheck } from './tcp-probe.js';

export function createHangProbe(config: ProbeConfigOf<'hang'>, deps: ProbeDeps = {}): Probe {
  const clock = deps.clock ?? systemClock();

  async function answerCheck(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult | undefined> {
    if (config.url !== undefined) {
      const ex = await httpExchange({ url: config.url, method: 'GET', headers: config.headers }, target, signal, clock);
      if (ex.kind === 'answer') {
        return { status: 'success', message: `answers: GET ${config.url} -> ${ex.status} in ${Math.round(ex.latencyMs)} ms`, latencyMs: ex.latencyMs };
      }
      // A certificate the probe does not trust came in the TLS handshake: the process answered it, so it is not hung.
      if (ex.result.details?.['tlsCertificate'] === true) {
        return { status: 'success', message: `answers: GET ${config.url} completed the TLS handshake (certificate not verified: ${String(ex.result.details['code'])})`, latencyMs: ex.result.latencyMs };
      }
      return ex.result;
    }
    if (config.port !== undefined) return tcpConnectCheck(config.host, config.port, target, signal, clock);
    return undefined;
  }

  /** The first process of the instance's tree (the instance first) that is stopped or traced. */
  function stoppedMember(root: number): { pid: number; state: string } | undefined {
    const rootStat = readProcStat(root);
    if (rootStat && (rootStat.state === 'T' || rootStat.state === 't')) return { pid: root, state: rootStat.state };
    const members = deps.processTable ? deps.processTable.treeMembers(root) : treeMembers(root);
    for (const member of members) {
      if (member === root) continue;
      const stat = readProcStat(member);
      if (stat && (stat.state === 'T' || stat.state === 't')) return { pid: member, state: stat.state };
    }
    return undefined;
  }

  return {
    kind: 'hang',
    async check(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
      const pid = target.pid;
      if (pid === undefined || !isAlive(pid)) return { status: 'unknown', message: 'the process is not running; the exit path handles it' };
      const stopped = stoppedMember(pid);
      if (stopped) {
        const who = stopped.pid === pid ? `pid ${pid}` : `pid ${stopped.pid} (of the tree of pid ${pid})`;
        return {
          status: 'failure',
          finding: 'hang',
          message: `${who} is stopped (state ${stopped.state})`,
          details: { pid, state: stopped.state, reason: 'stopped', ...(stopped.pid !== pid ? { stoppedPid: stopped.pid } : {}) },
        };
      }
      const answer = await answerCheck(target, signal);
      if (!isAlive(pid)) return { status: 'unknown', message: 'the process exited during the check' };
      if (answer === undefined) return { status: 'success', message: `pid ${pid} is alive and not stopped`, details: { pid } };
      if (answer.status === 'failure' && answer.finding === 'hang') {
        return { ...answer, details: { ...answer.details, pid, reason: 'no-answer' } };
      }
      return answer;
    },
  };
}
