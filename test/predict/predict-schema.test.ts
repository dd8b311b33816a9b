import { describe, expect, it } from 'vitest';
import { predictionSchema } from '../../src/predict/predict-schema.js';

describe('prediction config section', () => {
  it('has defaults for everything', () => {
    expect(predictionSchema.parse({})).toEqual({
      memory: { enabled: true, window: 600_000, minSamples: 30, horizon: 1_800_000, proactiveRestart: false, safetyMargin: 300_000, minConfidence: 0.8 },
      latency: { enabled: true, window: 600_000, minSamples: 20, minRelativeIncrease: 0.5, minAbsoluteIncrease: 100, minFailureShare: 0.2 },
      crashPatterns: { enabled: true, lookback: 604_800_000, minOccurrences: 3 },
    });
  });

  it('reads durations and a quiet window', () => {
    const c = predictionSchema.parse({ memory: { window: '5m', horizon: '1h', proactiveRestart: true, quietWindow: { start: '02:00', end: '05:00' } }, crashPatterns: { lookback: '2d' } });
    expect(c.memory).toMatchObject({ window: 300_000, horizon: 3_600_000, proactiveRestart: true, quietWindow: { start: '02:00', end: '05:00' } });
    expect(c.crashPatterns.lookback).toBe(172_800_000);
  });

  it('rejects unknown keys and bad values with the field path', () => {
    const bad = (input: unknown): string[] => {
      const r = predictionSchema.safeParse(input);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(bad({ memory: { windw: '5m' } }).join()).toMatch(/windw/);
    expect(bad({ extra: 1 }).join()).toMatch(/extra/);
    expect(bad({ memory: { quietWindow: { start: '2am', end: '05:00' } } })).toEqual(['memory.quietWindow.start: expected a local time as HH:MM (00:00-23:59)']);
    expect(bad({ memory: { quietWindow: { start: '02:00', end: '02:00' } } }).join()).toMatch(/must differ/);
    expect(bad({ memory: { minConfidence: 1.5 } }).join()).toMatch(/^memory.minConfidence/);
    expect(bad({ latency: { window: 'soon' } }).join()).toMatch(/^latency.window: expected a duration/);
  });
});
