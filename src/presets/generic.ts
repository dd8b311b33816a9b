// The generic preset: any command-line service, with an HTTP or TCP liveness probe when a port or URL is known.

export interface GenericPresetOptions {
  name?: string;
  /** argv; a single string with spaces is run through /bin/sh (shell: true). */
  command: string[];
  port?: number;
  /** Liveness URL; without it a port gets a TCP probe. */
  healthUrl?: string;
}

/** Splits "node server.js --port 3000" the way a user means it when there are no quotes; with quotes, keep it to the shell. */
export function commandFromString(text: string): { command: string[]; shell: boolean } {
  const trimmed = text.trim();
  if (/["'`$|&;<>(){}*?\\]/.test(trimmed)) return { command: [trimmed], shell: true };
  return { command: trimmed.split(/\s+/).filter(Boolean), shell: false };
}

export function genericService(opts: GenericPresetOptions): Record<string, unknown> {
  const probes: Array<Record<string, unknown>> = [];
  if (opts.healthUrl) {
    probes.push({ kind: 'http', name: 'liveness', url: opts.healthUrl, interval: '5s', timeout: '2s', failureThreshold: 3, startupGrace: '30s' });
  } else if (opts.port !== undefined) {
    probes.push({ kind: 'tcp', name: 'liveness', port: opts.port, interval: '5s', timeout: '2s', failureThreshold: 3, startupGrace: '30s' });
  }
  probes.push({ kind: 'hang', name: 'stopped', interval: '5s', failureThreshold: 2 });
  const single = opts.command.length === 1 ? commandFromString(opts.command[0]!) : { command: opts.command, shell: false };
  return {
    name: opts.name ?? 'service',
    command: single.command,
    ...(single.shell ? { shell: true } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    restart: { preventExitCodes: [78] },
    stop: { signal: 'SIGTERM', grace: '5s' },
    probes,
  };
}
