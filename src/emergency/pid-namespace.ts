// Why a module: the run's marks and tree scan miss a process whose parent is gone before a scan and that shed its marks
// (`env -i setsid prlimit --rttime=unlimited sh -c '... &'`); a PID namespace holds every process of the run whatever it does.

/**
 * The namespace's first process: runs the agent, then names what it left there (the kernel ends it all as this shell
 * exits, so the run's own sweep finds none of it to report): its processes other than this shell, zombies aside.
 */
const IN_NAMESPACE_SH = [
  '"$@"; code=$?',
  'me=$(readlink /proc/self/ns/pid); n=0',
  'for d in /proc/[0-9]*; do [ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$me" ] && n=$((n+1)); done',
  '[ "$n" -gt 1 ] && printf "\\n[clawback] ended %s process(es) the agent left running (its PID namespace ended with it)\\n" $((n-1))',
  'exit $code',
].join('; ');

/**
 * Launcher lines defining `contain`, which runs its arguments in a PID namespace of their own: when the namespace's
 * first process ends (the agent has exited, or the run's group got SIGKILL, which `--kill-child` passes on), the
 * kernel ends every process left in it. Its first process is a shell that runs the agent as its child, not the agent
 * itself: a namespace's pid 1 ignores SIGTERM it has no handler for, and the time-box's SIGTERM must reach the agent.
 * root needs no user namespace; anyone else maps itself to itself in one (so the agent does not run as root there).
 * Where no namespace can be made (no unshare, unprivileged user namespaces off, not Linux), the run says so in its
 * output and `contain` runs the command as it is: the run's marks and tree scan are then all that end its leftovers.
 */
export const NO_PID_NAMESPACE = '[clawback] could not start the agent in a PID namespace of its own (unshare): a process it starts that sheds the run\'s marks and leaves its tree at once may outlive the run';

export function pidNamespaceLines(): string[] {
  const said = NO_PID_NAMESPACE;
  return [
    'pf=-cpf; [ "$(id -u)" -eq 0 ] && pf=-pf',
    'command -v unshare >/dev/null 2>&1 && unshare $pf --kill-child true >/dev/null 2>&1 || pf=',
    `[ -n "$pf" ] || printf '%s\\n' '${said.replace(/'/g, `'\\''`)}'`,
    `contain() { if [ -n "$pf" ]; then unshare $pf --kill-child sh -c '${IN_NAMESPACE_SH}' clawback-run "$@"; else "$@"; fi; }`,
  ];
}
