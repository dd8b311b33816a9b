#!/usr/bin/env node
// Prints where a V8 heap snapshot's bytes are (self size by node type and by constructor), for docs/benchmarks.md.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/tools/heap-top.mjs FILE.heapsnapshot [N]\n');
  process.exit(2);
}
const top = Number(topArg ?? 15);
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta;
const fields = meta.node_fields;
const stride = fields.length;
const iType = fields.indexOf('type');
const iName = fields.indexOf('name');
const iSize = fields.indexOf('self_size');
const types = meta.node_types[iType];
const byType = new Map();
const byName = new Map();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += stride) {
  const type = types[snap.nodes[i + iType]];
  const size = snap.nodes[i + iSize];
  total += size;
  byType.set(type, (byType.get(type) ?? 0) + size);
  if (type === 'object' || type === 'closure' || type === 'array') {
    const key = `${type}: ${snap.strings[snap.nodes[i + iName]]}`.slice(0, 80);
    byName.set(key, (byName.get(key) ?? 0) + size);
  }
}
const mib = (b) => (b / 1048576).toFixed(2);
process.stdout.write(`heap snapshot ${path.basename(file)}: ${mib(total)} MiB in ${snap.nodes.length / stride} nodes\n\n| node type | MiB |\n|---|---:|\n`);
for (const [t, b] of [...byType].sort((a, b) => b[1] - a[1]).slice(0, 8)) process.stdout.write(`| ${t} | ${mib(b)} |\n`);
process.stdout.write('\n| object / closure / array by name | MiB |\n|---|---:|\n');
for (const [t, b] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`| \`${t}\` | ${mib(b)} |\n`);
