// A trend whose window can never hold minSamples probe results (a slow probe, a short window, minSamples over what a window keeps) stayed off without a word: said at load.
import type { ClawbackConfig } from '../config/schema.js';
import { formatDuration } from '../config/duration.js';
import { TREND_CAPACITY } from './sample-window.js';

/** The most samples a window of windowMs holds when fed every intervalMs (the window also spaces them windowMs / capacity apart). */
export function mostSamplesInWindow(windowMs: number, intervalMs: number): number {
  const spacing = Math.max(intervalMs, windowMs / TREND_CAPACITY);
  return Math.min(TREND_CAPACITY, Math.floor(windowMs / spacing) + 1);
}

interface Feed {
  trend: 'memory' | 'latency';
  probe: { name?: string | undefined; kind: string; interval: number } | undefined;
  windowMs: number;
  minSamples: number;
  enabled: boolean;
}

/** One line per enabled memory or latency trend (of a service that feeds it) whose window can never reach its minSamples. */
export function predictionSampleWarnings(declared: ClawbackConfig): string[] {
  const warnings: string[] = [];
  declared.services.forEach((s, i) => {
    // The daemon fits the first memory probe that has a limit and the first http probe (src/daemon/prediction-wiring.ts).
    const memory = s.probes.find((p) => p.kind === 'memory');
    const feeds: Feed[] = [
      { trend: 'memory', probe: memory && (memory as { limit?: number }).limit !== undefined ? memory : undefined, windowMs: s.prediction.memory.window, minSamples: s.prediction.memory.minSamples, enabled: s.prediction.memory.enabled },
      { trend: 'latency', probe: s.probes.find((p) => p.kind === 'http'), windowMs: s.prediction.latency.window, minSamples: s.prediction.latency.minSamples, enabled: s.prediction.latency.enabled },
    ];
    for (const f of feeds) {
      if (!f.enabled || !f.probe) continue;
      const most = mostSamplesInWindow(f.windowMs, f.probe.interval);
      if (most >= f.minSamples) continue;
      const field = `services[${i}].prediction.${f.trend}.minSamples`;
      const probe = `the ${f.probe.kind} probe${f.probe.name ? ` "${f.probe.name}"` : ''}`;
      const window = formatDuration(f.windowMs);
      if (f.minSamples > TREND_CAPACITY) {
        warnings.push(`${field}: ${f.minSamples} but a trend window keeps at most ${TREND_CAPACITY} samples, so the ${f.trend} trend is never fitted; expected minSamples of ${TREND_CAPACITY} or less`);
        continue;
      }
      const windowNeeded = formatDuration((f.minSamples - 1) * f.probe.interval);
      // Rounded down to a whole second (formatDuration rounds to one): 31.6 s shown as 32 s would still fall short.
      const most1 = Math.floor(f.windowMs / (f.minSamples - 1));
      const intervalNeeded = formatDuration(most1 >= 1000 ? Math.floor(most1 / 1000) * 1000 : most1);
      warnings.push(
        `${field}: ${f.minSamples} samples are needed for a fit, but ${probe} runs every ${formatDuration(f.probe.interval)}, so the ${window} window (prediction.${f.trend}.window) holds at most ${most}: the ${f.trend} trend is never fitted; expected minSamples of ${most} or less, a window of at least ${windowNeeded}, or the probe every ${intervalNeeded} or less`,
      );
    }
  });
  return warnings;
}
