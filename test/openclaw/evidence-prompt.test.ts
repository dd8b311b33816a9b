// The gateway's evidence reaches the Level 3 agent: the openclaw.evidence event of the incident is in its prompt's timeline, redacted and fenced.
import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../../src/emergency/prompt.js';
import { Redactor } from '../../src/observe/redact.js';
import type { ClawbackEvent } from '../../src/observe/events.js';

describe('evidence in the agent prompt', () => {
  it('shows the stability bundle summary in the timeline, inside the untrusted fence, with secrets redacted', () => {
    const redactor = new Redactor();
    redactor.addSecret('tok-abc-123456');
    const evidence: ClawbackEvent = {
      type: 'openclaw.evidence',
      time: Date.parse('2026-11-30T14:06:05Z'),
      severity: 'warning',
      service: 'openclaw-gateway',
      incidentId: 'inc-1',
      message: "openclaw-gateway: the gateway's stability bundle: stability bundle written 2026-11-30T14:06:01.998Z: reason unhandled_rejection; pid 4242, up 5.3 s; error Error: boom tok-abc-123456",
      details: { kind: 'stability', summary: 'x', ok: true },
    };
    const prompt = buildPrompt(
      {
        serviceName: 'openclaw-gateway',
        incident: { id: 'inc-1', openedAt: 0, level: 3, highestLevel: 3, reason: 'crash loop', doctorRuns: 2, agentRuns: 1, status: 'open' },
        timeline: [evidence],
        probes: [],
        logTail: '',
        doctorFindings: [],
        learnings: [],
        layout: { logFile: '/tmp/gw.log', stateDir: '/tmp/s', workdir: '/tmp', allowedPaths: [] },
        mode: 'fix',
        channel: 'cli',
        timeBoxMs: 600_000,
        verifyWindowMs: 30_000,
        maxTurns: 10,
      },
      redactor,
    );
    const fenced = prompt.slice(prompt.indexOf('## Timeline'));
    expect(fenced).toMatch(/openclaw\.evidence warning: openclaw-gateway: the gateway's stability bundle: .*reason unhandled_rejection; pid 4242/);
    expect(prompt).not.toContain('tok-abc-123456');
  });
});
