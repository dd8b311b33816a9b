// What every fault trial needs: a settled, healthy instance to break, and a way back if a trial left it down.
import { health, waitHealthy, writeGatewayConfig } from '../lib/gateway.mjs';
import { isAlive } from '../lib/procfs.mjs';

/** Uptime an instance must have before a trial breaks it (past Clawback's stableAfter of 2 s and a probe pass). */
export const SETTLE_MS = 2500;

/** Waits for a healthy instance that has been up SETTLE_MS; recovers once if it does not come. */
export async function settle(subject, log) {
  let h = await waitHealthy(subject.port, { minUptimeMs: SETTLE_MS, timeoutMs: 30_000 });
  if (h) return h;
  log(`${subject.label}: not healthy after 30 s; restoring the gateway config and restarting it`);
  writeGatewayConfig(subject.gwConfig, 'demo-gateway');
  const stuck = await health(subject.port);
  if (stuck?.pid && isAlive(stuck.pid)) process.kill(stuck.pid, 'SIGKILL');
  await subject.sup.recover(subject.name);
  h = await waitHealthy(subject.port, { minUptimeMs: SETTLE_MS, timeoutMs: 60_000 });
  if (!h) throw new Error(`${subject.label}: the gateway did not come back healthy`);
  return h;
}

export function killIfAlive(pid) {
  if (pid && isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
