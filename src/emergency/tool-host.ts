// What Level 3 may do to a service, as one small interface the daemon implements: the agent's whole reach.

export interface SnapshotInfo {
  id: string;
  /** Epoch ms. */
  savedAt: number;
  sha256: string;
}

export interface EmergencyHost {
  serviceName: string;
  configPath?: string;
  logFile: string;
  /** The last `lines` lines of the service's log (raw; the caller redacts). */
  tailLog(lines: number): Promise<string>;
  readConfig(): Promise<string>;
  /**
   * `signal` is the run's time-box: aborting it kills a validator in flight. The changing calls below take it too and
   * change nothing once it has fired (the run is then reverted, so a late write would outlive the revert).
   */
  validateConfig(text: string, signal?: AbortSignal): Promise<{ ok: boolean; error?: string }>;
  listSnapshots(): Promise<SnapshotInfo[]>;
  /** A snapshot's text, or undefined when there is no such snapshot. */
  readSnapshot(id: string): Promise<string | undefined>;
  /**
   * Restores a snapshot over the config file; returns a one-line account. `expected`: the config text the agent's
   * change is based on; when the file no longer holds it (a person saved it meanwhile), nothing is written.
   */
  restoreSnapshot(id: string, signal?: AbortSignal, expected?: string): Promise<string>;
  /** The host validates first and snapshots the current file before writing; returns a one-line account. `expected`: as above. */
  writeConfig(text: string, signal?: AbortSignal, expected?: string): Promise<string>;
  runDoctor(signal?: AbortSignal): Promise<string>;
  restartService(): Promise<string>;
  checkHealth(): Promise<{ healthy: boolean; detail: string }>;
}
