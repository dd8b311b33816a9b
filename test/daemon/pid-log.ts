// A service that writes down each of its copies (pid and start time) to one file: tests that count copies and stop them.
import { existsSync, readFileSync } from 'node:fs';
import { NODE } from '../helpers/daemon.js';
import { killTree, pidRef } from '../helpers/processes.js';

/** Each copy appends its pid and start time (/proc/self/stat field 22) to one file, then idles. */
const RECORD_PID =
  "const fs = require('node:fs'); const st = fs.readFileSync('/proc/self/stat', 'utf8'); " +
  "fs.appendFileSync(process.argv[1], process.pid + ' ' + st.slice(st.lastIndexOf(')') + 2).split(' ')[19] + '\\n'); setInterval(() => {}, 1e9)";

/** The service's command: a copy that records itself in `pidLog`. */
export function recordingCommand(pidLog: string): string[] {
  return [NODE, '-e', RECORD_PID, pidLog];
}

/** Every copy started so far, as [pid, start time]. */
export function loggedCopies(pidLog: string): Array<[number, number]> {
  return (existsSync(pidLog) ? readFileSync(pidLog, 'utf8').split('\n').filter(Boolean) : []).map((l) => {
    const [pid, start] = l.split(' ');
    return [Number(pid), Number(start)];
  });
}

/** Ends every copy still running (a recycled pid is left alone): for a cleanup. */
export function killLoggedCopies(pidLog: string): void {
  for (const [pid, start] of loggedCopies(pidLog)) killTree(pidRef(pid, start));
}
