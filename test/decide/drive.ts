// Drives the pure reducer through inputs at given times and keeps every effect: the base of the reducer table tests.
import { decide } from '../../src/decide/decide.js';
import type { Effect, ServiceInput } from '../../src/decide/inputs.js';
import type { ServicePolicy } from '../../src/decide/policy.js';
import { initialState, type ServiceState } from '../../src/decide/service-state.js';

export type EmittedEvent = Extract<Effect, { type: 'emit' }>['event'];

export class ReducerDrive {
  state: ServiceState;
  /** Every effect so far, in order. */
  effects: Effect[] = [];
  /** The effects of the last input. */
  last: Effect[] = [];
  private ids = 0;
  constructor(
    readonly p: ServicePolicy,
    state?: ServiceState,
  ) {
    this.state = state ?? initialState('up');
  }
  at(now: number, input: ServiceInput): this {
    const d = decide(this.state, input, { now, random: () => 0.5, newId: (k) => `${k}-${++this.ids}` }, this.p);
    this.state = d.state;
    this.last = d.effects;
    this.effects.push(...d.effects);
    return this;
  }
  /** The kinds of the non-emit effects (of the last input by default). */
  types(list = this.last): string[] {
    return list.filter((e) => e.type !== 'emit').map((e) => e.type);
  }
  /** Every event emitted so far, of one type or all. */
  events(type?: string): EmittedEvent[] {
    return this.effects.flatMap((e) => (e.type === 'emit' && (!type || e.event.type === type) ? [e.event] : []));
  }
  /** boot and started at `now` with pid. */
  up(now: number, pid: number): this {
    if (this.state.phase !== 'starting') this.at(now, { type: 'boot', adopted: null });
    return this.at(now, { type: 'started', instance: { pid, pidStartTime: 1, startedAt: now }, reason: 'boot' });
  }
}
