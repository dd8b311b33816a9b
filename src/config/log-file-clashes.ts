// A service's output goes to <logs dir>/<name>.log: a service named "daemon" wrote into the daemon's own daemon.log,
// and its rotation (copy-truncate, its own keep) erased the daemon's log within seconds. Known only once paths resolve.
import path from 'node:path';
import type { ClawbackConfig } from './schema.js';
import type { ConfigProblem } from './errors.js';
import { caseInsensitiveDir } from './case-clashes.js';

/** Files Clawback itself writes in <stateDir>/logs (daemon, install, launchd, guardian), without their ".log". */
export const DAEMON_LOG_NAMES: readonly string[] = ['daemon', 'daemon.out', 'guardian', 'launchd-daemon.out', 'launchd-daemon.err'];

/** Services (as declared; `resolve` makes a logs.dir absolute) whose log file would be one of the daemon's own. */
export function logFileClashes(
  declared: ClawbackConfig,
  stateDir: string,
  resolve: (dir: string) => string,
  insensitiveAt: (dir: string) => boolean = caseInsensitiveDir,
): ConfigProblem[] {
  const daemonLogs = path.join(stateDir, 'logs');
  const problems: ConfigProblem[] = [];
  declared.services.forEach((s, i) => {
    const dir = s.logs.dir ? resolve(s.logs.dir) : daemonLogs;
    if (dir !== daemonLogs) return;
    // "Daemon" is daemon.log too where the file system ignores case (macOS).
    if (!DAEMON_LOG_NAMES.includes(s.name) && !(DAEMON_LOG_NAMES.includes(s.name.toLowerCase()) && insensitiveAt(dir))) return;
    problems.push({
      path: `services[${i}].name`,
      message: `its output would go to ${path.join(dir, `${s.name}.log`)}, a file Clawback writes itself (and rotates): expected a name other than ${DAEMON_LOG_NAMES.map((n) => `"${n}"`).join(', ')}, or a logs.dir of its own`,
      value: s.name,
    });
  });
  return problems;
}
