// The guardian's default interval on its own: the daemon reads it (guardian-pass.ts) without loading the unit-file
// writers (service-files.ts pulls in `plist`, which put the daemon over a 9 MiB heap at start).

/** Seconds between guardian passes (the systemd timer, the LaunchAgent, the cron line). */
export const DEFAULT_GUARDIAN_INTERVAL_SEC = 60;
