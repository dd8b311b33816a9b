// The daemon's one probe scheduler and one process table, shared by every service, and the route that reports lateness.
import { ProbeScheduler } from '../probes/probe-scheduler.js';
import { ProcessTable } from '../platform/process-table.js';
import type { Clock } from '../platform/clock.js';
import type { DaemonPlugin } from './daemon.js';

/**
 * One scheduler (one timer) and one process table for every probe of every service, made on first use
 * with the daemon's clock; `GET /api/probe-schedule` reports how late the probe ticks fired.
 */
export class SharedProbeParts {
  private parts: { scheduler: ProbeScheduler; processTable: ProcessTable } | undefined;

  get(clock: Clock): { scheduler: ProbeScheduler; processTable: ProcessTable } {
    this.parts ??= { scheduler: new ProbeScheduler(clock), processTable: new ProcessTable(clock) };
    return this.parts;
  }

  plugin(): DaemonPlugin {
    return {
      name: 'probe-schedule',
      init: (ctx) => ({
        extra: async (p) => {
          if (p !== '/api/probe-schedule') return undefined;
          const { scheduler, processTable } = this.get(ctx.clock);
          return { lateness: scheduler.latency(), processTableScans: processTable.scans };
        },
        stop: async () => {
          this.parts?.scheduler.stop();
          this.parts?.processTable.close();
        },
      }),
    };
  }
}
