// The gateway's config file is broken, then the instance dies: does the supervisor get a healthy service back?
import { corruptGatewayConfig, msUntilNew200, writeGatewayConfig } from '../lib/gateway.mjs';
import { pollUntil } from '../lib/http.mjs';
import { readFileSync } from 'node:fs';
import { settle } from './subject.mjs';

function configIsValidJson(file) {
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

export async function corruptConfigTrial(subject, { log, boundMs }) {
  const h = await settle(subject, log);
  if (subject.sup.hasSnapshot) {
    // Clawback keeps a last-known-good copy once the service was healthy for doctor.snapshotAfter (5 s here).
    const ok = await pollUntil(() => (subject.sup.hasSnapshot(subject.name) ? true : undefined), { timeoutMs: 20_000, intervalMs: 200 });
    if (!ok) log(`${subject.label}: no last-known-good snapshot after 20 s`);
  }
  corruptGatewayConfig(subject.gwConfig);
  const t0 = performance.now();
  process.kill(h.pid, 'SIGKILL');
  const r = await msUntilNew200(subject.port, h.pid, t0, { boundMs, pollMs: 10 });
  const restoredBySupervisor = configIsValidJson(subject.gwConfig);
  let pm2State;
  if (r.ms === null && subject.sup.jlist) {
    const app = (await subject.sup.jlist()).find((a) => a.name === subject.name);
    pm2State = app ? { status: app.pm2_env?.status, restarts: app.pm2_env?.restart_time, unstableRestarts: app.pm2_env?.unstable_restarts } : undefined;
  }
  if (!restoredBySupervisor) writeGatewayConfig(subject.gwConfig, 'demo-gateway');
  // A supervisor that gave up (PM2 "errored") is not coming back by itself: restart it so the next trial starts healthy.
  if (r.ms === null) await subject.sup.recover(subject.name);
  return { ms: r.ms, restoredBySupervisor, ...(pm2State ? { pm2State } : {}) };
}
