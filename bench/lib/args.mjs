// The benchmark's command line: trials, quick smoke mode, bounds and which scenarios to run.
import { parseArgs } from 'node:util';

export const SCENARIOS = ['crash', 'hang', 'leak', 'config', 'idle', 'status', 'scale'];

export const USAGE = `usage: npm run bench -- [options]
  --trials N          trials per supervisor and scenario (default 5; --quick: 1)
  --quick             smoke run: 1 trial, short bounds, 20 services for 10 s in the scale scenario
  --only LIST         comma-separated subset of: ${SCENARIOS.join(',')}
  --never-bound S     how long to wait for a recovery that may never come (PM2 hang), seconds (default 15)
  --config-bound S    bound of the corrupted-config trial for PM2, seconds (default 12)
  --leak-rate MB      leak rate in MB/s (default 50)
  --limit MB          memory limit in MiB for both supervisors (default 200)
  --idle-seconds S    CPU measuring window at rest (default 30)
  --settle-seconds S  wait after start-up before the window at rest (default 15)
  --scale SIZES       scale rows as services:probe-interval-seconds, comma-separated (default 100:1,1000:5; --quick: 20:1)
  --scale-services N  shorthand for --scale N:1
  --scale-seconds S   measuring window of each scale row (default 60)
  --dist DIR          measure the Clawback build in DIR/dist instead of this checkout's (before/after comparisons)
  --cpu-prof DIR      run the scale daemons with --cpu-prof, profiles written to DIR
  --out DIR           results directory (default bench/results)
  --keep              keep the temp directory (configs, state dirs, logs) for inspection`;

export function parseBenchArgs(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      trials: { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'never-bound': { type: 'string' },
      'config-bound': { type: 'string' },
      'leak-rate': { type: 'string' },
      limit: { type: 'string' },
      'idle-seconds': { type: 'string' },
      'settle-seconds': { type: 'string' },
      'scale-services': { type: 'string' },
      'scale-seconds': { type: 'string' },
      scale: { type: 'string' },
      dist: { type: 'string' },
      'cpu-prof': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const q = values.quick;
  const num = (name, dflt, min) => {
    if (values[name] === undefined) return dflt;
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number >= ${min}, got ${JSON.stringify(values[name])}`);
    return n;
  };
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : SCENARIOS;
  for (const s of only) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario "${s}" (known: ${SCENARIOS.join(', ')})`);
  return {
    help: values.help,
    quick: q,
    trials: Math.round(num('trials', q ? 1 : 5, 1)),
    only,
    neverBoundMs: num('never-bound', q ? 8 : 15, 1) * 1000,
    configBoundMs: num('config-bound', q ? 8 : 12, 1) * 1000,
    leakRate: num('leak-rate', 50, 1),
    limitMiB: num('limit', 200, 16),
    idleMs: num('idle-seconds', q ? 3 : 30, 1) * 1000,
    settleMs: num('settle-seconds', q ? 2 : 15, 0) * 1000,
    scaleSizes: parseScaleSizes(values.scale ?? (values['scale-services'] ? `${values['scale-services']}:1` : q ? '20:1' : '100:1,1000:5')),
    dist: values.dist,
    cpuProf: values['cpu-prof'],
    scaleMs: num('scale-seconds', q ? 10 : 60, 1) * 1000,
    out: values.out,
    keep: values.keep,
  };
}

/** "100:1,1000:5" -> [{services: 100, intervalMs: 1000}, {services: 1000, intervalMs: 5000}]. */
export function parseScaleSizes(text) {
  return text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*(?::\s*(\d+(?:\.\d+)?)\s*)?$/.exec(part);
    if (!m || Number(m[1]) < 1) throw new Error(`--scale: expected services[:interval-seconds] like 100:1, got ${JSON.stringify(part)}`);
    return { services: Number(m[1]), intervalMs: Math.round(Number(m[2] ?? 1) * 1000) };
  });
}
