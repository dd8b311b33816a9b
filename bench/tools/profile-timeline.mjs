#!/usr/bin/env node
// Busy milliseconds of a .cpuprofile per time bucket, with the top self-time entries of each: shows when a daemon works (start-up, one-off GCs, steady state).
// Usage: node bench/tools/profile-timeline.mjs FILE [BUCKET_SECONDS=2]
import { readFileSync } from 'node:fs';

const [file, bucketArg = '2'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/tools/profile-timeline.mjs FILE [BUCKET_SECONDS]\n');
  process.exit(2);
}
const bucketS = Number(bucketArg);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const buckets = new Map();
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  const frame = byId.get(profile.samples[i]).callFrame;
  if (frame.functionName === '(idle)') continue;
  const b = Math.floor((t - profile.startTime) / 1e6 / bucketS);
  const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}`;
  const m = buckets.get(b) ?? new Map();
  m.set(key, (m.get(key) ?? 0) + ms);
  buckets.set(b, m);
}
for (const [b, m] of [...buckets].sort((x, y) => x[0] - y[0])) {
  const total = [...m.values()].reduce((a, x) => a + x, 0);
  const top = [...m].sort((x, y) => y[1] - x[1]).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(0)}`);
  process.stdout.write(`${String(b * bucketS).padStart(4)} s  ${total.toFixed(0).padStart(5)} ms  ${top.join(' | ')}\n`);
}
