// The drill vocabulary: which extreme tests exist, what each one does to the system, and the order `all` runs them in.

export const SCENARIO_NAMES = [
  'crash',
  'crash-storm',
  'hang',
  'leak',
  'config-corrupt',
  'port-steal',
  'crash-loop',
  'slow-start',
  'dependency-down',
  'disk-full',
  'stale-lock',
  'daemon-kill',
  'nuclear',
] as const;

export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** What each scenario does, in the words printed before asking for confirmation. */
export const SCENARIO_PLANS: Readonly<Record<ScenarioName, string>> = {
  crash: 'SIGKILL the service process; expect an immediate restart (level 0)',
  'crash-storm': 'SIGKILL the service N times in a row, each time after it recovered; expect every crash recovered, or the crash-loop breaker to trip exactly where the restart intensity says',
  hang: 'SIGSTOP the service (a real hang, no help from the app); expect the probes to judge it hung and a restart (level 1)',
  leak: "turn on the service's memory-leak switch; expect the memory probe to restart it (level 1)",
  'config-corrupt': "truncate / garble / delete the service's config file, then SIGKILL the service; expect the doctor to restore the last-known-good config (level 2). Your bytes are snapshotted first and put back at the end, whatever happens",
  'port-steal': "SIGKILL the service and bind its port from the drill process before the restart; expect the holder to be reported or escalated and NOT killed; then release the port and `clawback resume`",
  'crash-loop': 'SIGKILL every new instance at once (a service that cannot start); expect the crash-loop breaker to trip and alert instead of looping; then `clawback resume`',
  'slow-start': 'set the demo gateway\'s startupDelayMs (half its start-up grace) and SIGKILL it; expect one restart that waits out the slow start (level 0), no restart loop; the config bytes are put back once it serves',
  'dependency-down': "take the demo gateway's dependency (dependency.url, e.g. examples/demo-gateway/dependency.mjs) down for a while (3x the liveness detection time, 5-60 s); expect the gateway to say not-ready and stay up, NO restart, and ready again once the dependency is back",
  'disk-full': "fill the demo gateway's dataDir to the last byte, only when it is a small filesystem of its own (e.g. a tmpfs mounted there; never the disk others use), for a while, then delete the filler; expect not-ready, NO restart loop, ready again once there is room (freeing a disk is a human's part)",
  'stale-lock': "SIGKILL the service so its lock file (the first exact path in lockFiles) stays behind, or plant one naming the killed pid; expect the doctor to remove it because its owner is gone (kept in evidence/locks) and the service serving again",
  'daemon-kill': 'SIGKILL the clawback daemon and run `clawback guardian --once`; expect the daemon revived and the service serving the whole time',
  nuclear: 'SIGKILL the daemon and the service and remove the state directory (moved aside, not destroyed); start the daemon again; expect recovery from the config alone',
};

/** Names accepted on the command line: one scenario, a comma list, or `all`. */
export function parseScenarioList(arg: string): ScenarioName[] | { error: string } {
  if (arg === 'all') return [...SCENARIO_NAMES];
  const wanted = arg.split(',').map((s) => s.trim()).filter(Boolean);
  // `all` and `chaos` are whole runs: in a list they read as unknown names while the message offered "or all".
  const alone = wanted.filter((w) => w === 'all' || w === 'chaos');
  if (alone.length > 0 && wanted.length > 1) {
    return { error: `"${alone[0]}" stands alone: give it instead of the list "${arg}", or list scenarios from: ${SCENARIO_NAMES.join(', ')}` };
  }
  const unknown = wanted.filter((w) => !(SCENARIO_NAMES as readonly string[]).includes(w));
  if (wanted.length === 0 || unknown.length > 0) {
    return { error: `unknown scenario ${unknown.map((u) => `"${u}"`).join(', ') || '""'}; expected one of: ${SCENARIO_NAMES.join(', ')}, all (every scenario) or chaos` };
  }
  // Keep the canonical order so the destructive scenarios always run last.
  return SCENARIO_NAMES.filter((n) => wanted.includes(n));
}
