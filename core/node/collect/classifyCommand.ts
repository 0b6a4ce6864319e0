import type { SshError } from '../ssh/sshError';

// What happened to one remote command, from its exit status, stderr and how we stopped it.
// Messages come from sudo.8 ("a password is required" with -n), the shell and GNU timeout
// (exit 124 on timeout, 125/126/127 for its own failures: coreutils timeout.c).

export type CommandStatus = 'ok' | 'sudo-denied' | 'command-missing' | 'timeout' | 'truncated' | 'incomplete' | 'cancelled' | 'failed';

export interface CommandOutcome {
  exit?: { code?: number; signal?: string };
  stopped?: 'cancel' | 'truncate' | 'timeout';
  truncated: boolean;
  stderr: string;
  sudo: boolean;
  timeoutSec: number;
  maxBytes: number;
  bytes: number;
  lost?: SshError;
  /** argv[0], for messages. */
  command: string;
}

const SUDO_DENIED = /^sudo: (a password is required|a terminal is required|sorry, you must have a tty|.*is not in the sudoers file|.*is not allowed to (execute|run)|.*may not run sudo)/im;
// Who reports a missing program: env (for sudo), sudo (for timeout), timeout (for the tool), a shell.
const SUDO_NOT_FOUND = /^sudo: ([^:\n]+): command not found/m;
const MISSING: RegExp[] = [
  /^env: '?([^':\n]+)'?: No such file or directory/m,
  /^timeout: failed to run command '([^'\n]+)': No such file or directory/m,
  /(?:^|: )([^\s:]+): (?:command )?not found/m,
];

function missingProgram(stderr: string): string | undefined {
  for (const re of MISSING) {
    const m = re.exec(stderr);
    if (m) return m[1];
  }
  return undefined;
}

/** The last non-empty stderr line: where tools and sudo put the error that ended them. */
function lastLine(s: string): string {
  const line = s.split('\n').reverse().find((l) => l.trim().length > 0) ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line.trim();
}

export function classifyCommand(o: CommandOutcome): { status: CommandStatus; message: string } {
  const err = lastLine(o.stderr);
  if (o.stopped === 'cancel') return { status: 'cancelled', message: `cancelled after ${o.bytes} bytes; the channel was closed and the node stops the command` };
  if (o.truncated) return { status: 'truncated', message: `output passed the ${o.maxBytes}-byte cap; kept the first ${o.bytes} bytes and stopped the command` };
  if (o.stopped === 'timeout') return { status: 'timeout', message: `no exit status ${o.timeoutSec}s + kill delay after start; channel closed (${o.bytes} bytes kept)` };
  if (!o.exit) {
    if (o.lost?.kind === 'cancelled') return { status: 'cancelled', message: `the session was cancelled after ${o.bytes} bytes` };
    if (o.lost?.kind === 'timeout') return { status: 'timeout', message: `${o.lost.message} (${o.bytes} bytes kept)` };
    const why = o.lost ? `: ${o.lost.message}` : '';
    return { status: 'incomplete', message: `channel closed without an exit status${why}; ${o.bytes} bytes kept but the output may be cut short` };
  }
  const { code, signal } = o.exit;
  if (code === 0) return { status: 'ok', message: `${o.bytes} bytes` };
  if (signal !== undefined) return { status: 'failed', message: `killed by signal ${signal}${err ? `: ${err}` : ''}` };
  if (code === 124) return { status: 'timeout', message: `still running after ${o.timeoutSec}s on the node; stopped by timeout (${o.bytes} bytes kept)` };
  // sudo reports a missing command itself, with exit 1 (sudo.8); everything else exits 127.
  const sudoMissing = o.sudo && code === 1 ? SUDO_NOT_FOUND.exec(o.stderr)?.[1] : undefined;
  if (code === 127 || sudoMissing !== undefined) {
    const name = sudoMissing ?? missingProgram(o.stderr) ?? o.command;
    return { status: 'command-missing', message: `${name} is not installed on the node${err ? ` (${err})` : ''}` };
  }
  if (o.sudo && code === 1 && SUDO_DENIED.test(o.stderr)) {
    return { status: 'sudo-denied', message: `sudo -n refused: ${err}. Allow the command without a password in sudoers, or connect as root` };
  }
  return { status: 'failed', message: `exit ${code}${err ? `: ${err}` : ''}` };
}
