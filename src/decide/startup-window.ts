// The wording of a service's start-up window (startup.timeout), one place for the journal and `clawback status`.

/** "starting: waiting for first healthy check, 95 s of 300 s". */
export function startupWaitText(elapsedMs: number, windowMs: number): string {
  const sec = (ms: number): number => Math.max(0, Math.round(ms / 1000));
  return `starting: waiting for first healthy check, ${sec(Math.min(elapsedMs, windowMs))} s of ${sec(windowMs)} s`;
}
