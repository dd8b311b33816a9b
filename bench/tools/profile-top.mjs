#!/usr/bin/env node
// Prints the top self-time entries of a V8 .cpuprofile (from `node --cpu-prof`), for docs/benchmarks.md.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [file, topArg, fromArg, toArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/tools/profile-top.mjs FILE.cpuprofile [N] [FROM_S] [TO_S]  (window in seconds since the profile began)\n');
  process.exit(2);
}
const top = Number(topArg ?? 15);
const fromUs = Number(fromArg ?? 0) * 1e6;
const toUs = toArg === undefined ? Infinity : Number(toArg) * 1e6;
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const dt = new Map();
// timeDeltas[i] is the time before samples[i]; attribute it to that sample's node.
let at = 0;
for (let i = 0; i < prof.samples.length; i++) {
  at += prof.timeDeltas[i] ?? 0;
  if (at < fromUs || at > toUs) continue;
  dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
}
const self = new Map();
let total = 0;
for (const [id, us] of dt) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const where = cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : '';
  const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + us);
  total += us;
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
const busyUs = total - (self.get('(idle)') ?? 0);
process.stdout.write(`profile ${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busyUs / 1e6).toFixed(2)} s not idle\n`);
process.stdout.write('| self ms | % of non-idle | function |\n|---:|---:|---|\n');
for (const [k, us] of rows) {
  if (k === '(idle)') continue;
  process.stdout.write(`| ${(us / 1000).toFixed(0)} | ${((us / busyUs) * 100).toFixed(1)} % | \`${k}\` |\n`);
}
