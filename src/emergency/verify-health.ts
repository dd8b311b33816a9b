// Clawback's own verdict on an agent's work: the service must come up and stay healthy for the whole window.
import type { Clock } from '../platform/clock.js';
import type { EmergencyHost } from './tool-host.js';

export interface VerifyResult {
  healthy: boolean;
  detail: string;
  restarted: boolean;
  checks: number;
}

async function check(host: EmergencyHost): Promise<{ healthy: boolean; detail: string }> {
  try {
    return await host.checkHealth();
  } catch (e) {
    return { healthy: false, detail: `health check could not run: ${(e as Error).message}` };
  }
}

/**
 * Healthy now (or after one restart, within max(windowMs, 1 s) to come up), then healthy at every poll
 * for `windowMs`. Bounded: at most about 2 * windowMs plus one restart.
 */
export async function verifyHealth(host: EmergencyHost, clock: Clock, windowMs: number, signal?: AbortSignal): Promise<VerifyResult> {
  const pollMs = Math.min(2000, Math.max(200, Math.floor(windowMs / 10)));
  let checks = 1;
  let h = await check(host);
  let restarted = false;
  if (!h.healthy) {
    restarted = true;
    try {
      await host.restartService();
    } catch (e) {
      return { healthy: false, detail: `restart failed: ${(e as Error).message}`, restarted, checks };
    }
    const upBy = clock.monotonic() + Math.max(windowMs, 1000);
    for (;;) {
      h = await check(host);
      checks++;
      if (h.healthy || clock.monotonic() >= upBy || signal?.aborted) break;
      await clock.sleep(pollMs, signal).catch(() => undefined);
    }
    if (!h.healthy) return { healthy: false, detail: `not healthy after restart: ${h.detail}`, restarted, checks };
  }
  const until = clock.monotonic() + windowMs;
  while (clock.monotonic() < until) {
    if (signal?.aborted) return { healthy: false, detail: 'verification cancelled', restarted, checks };
    await clock.sleep(Math.min(pollMs, Math.max(0, until - clock.monotonic())), signal).catch(() => undefined);
    h = await check(host);
    checks++;
    if (!h.healthy) return { healthy: false, detail: `became unhealthy during the verify window: ${h.detail}`, restarted, checks };
  }
  return { healthy: true, detail: h.detail, restarted, checks };
}
