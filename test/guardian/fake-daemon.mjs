// Test fixture: a stand-in for the clawback daemon that only writes daemon.json heartbeats (every 200 ms) into argv[2].
// FAKE_STOPPING (JSON) is written as daemon.json's `stopping` record: a daemon whose stop is under way.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const stateDir = process.argv[2];
if (!stateDir) {
  process.stderr.write('usage: fake-daemon.mjs <stateDir>\n');
  process.exit(2);
}
const stat = readFileSync('/proc/self/stat', 'utf8');
const pidStartTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
const startedAt = Date.now();
const file = path.join(stateDir, 'daemon.json');

function beat() {
  const info = {
    pid: process.pid,
    startedAt,
    version: '0.0.0-test',
    api: { host: '127.0.0.1', port: 0 },
    heartbeatAt: Date.now(),
    configPath: path.join(stateDir, 'config.yaml'),
    pidStartTime,
    ...(process.env.FAKE_STOPPING ? { stopping: JSON.parse(process.env.FAKE_STOPPING) } : {}),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info));
  renameSync(tmp, file);
}

beat();
const timer = setInterval(beat, 200);
const stop = () => {
  clearInterval(timer);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
