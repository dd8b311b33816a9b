// The `openclaw` block of a service: what Clawback knows about the OpenClaw gateway it runs (CLI, evidence, scopes, drain).
import { z } from 'zod';
import { duration, timeBound } from '../config/duration-schema.js';

export const openclawSchema = z.strictObject({
  /** argv of the openclaw CLI, e.g. ["openclaw"] or ["/opt/node24/bin/node", "/opt/openclaw/openclaw.mjs"]; run with the service's env. */
  cli: z.array(z.string().min(1)).min(1),
  /**
   * The smallest scope first: a channel account that fails readiness past its bound is restarted through the
   * gateway (`gateway call channels.stop` / `channels.start`) before the gateway itself.
   */
  channelRestart: z.boolean().default(true),
  /** After a channel restart, the time the gateway gets to bring the account back before its readiness counts again. */
  channelSettle: duration.default(60_000),
  /**
   * Evidence: after an unclean exit read `gateway stability --bundle latest`; at Level 4 write a
   * `gateway diagnostics export`. Summaries go into the incident's timeline and alerts, redacted.
   */
  evidence: z.boolean().default(true),
  /** Bound of each evidence command (a CLI start is 5-25 s on a loaded box). */
  evidenceTimeout: timeBound.default(90_000),
  /** Warn (at start and in `clawback doctor`) when the gateway's own systemd unit or LaunchAgent is enabled too. */
  otherSupervisorCheck: z.boolean().default(true),
});

export type OpenclawConfig = z.output<typeof openclawSchema>;
