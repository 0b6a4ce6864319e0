import { isIP } from 'node:net';
import type { SshTarget } from '../app/backendTypes';
import { invalidUserReason, validPort } from '../ssh/hostValidation';

// argv for the system OpenSSH client, used by the terminal pty host (electron/main/pty/ptyHost.ts)
// as an ARRAY passed to execve: no shell ever parses it. Everything derived from the cluster or the
// UI (host, user, paths, jump) is validated first, because ssh itself still interprets some of it:
// a host starting with "-" is an option (`-oProxyCommand=...`, the classic argument injection),
// `user@host` in the host overrides -l, `%`/`${}` tokens in paths are expanded by ssh
// (readconf.c percent_expand), and whitespace splits -o values. Hostile values are refused, never
// quoted or escaped.

/** Options every terminal runs with (issue 5, decision 3). The first value ssh sees for an option wins, so these beat ~/.ssh/config. */
export const SSH_FIXED_OPTIONS: readonly string[] = [
  '-o', 'StrictHostKeyChecking=yes',
  '-o', 'ForwardAgent=no',
  '-o', 'ForwardX11=no',
  '-o', 'ClearAllForwardings=yes',
  '-o', 'PermitLocalCommand=no',
  '-o', 'BatchMode=no',
];

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Letters, digits, '.', '_' and '-' (DNS names and ~/.ssh/config aliases); anything else is refused.
const HOST_CHARS = /^[A-Za-z0-9._-]+$/;
const USER_CHARS = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;

/** Why `host` cannot be handed to ssh, or null when it can. */
export function validateSshHost(host: string): string | null {
  if (typeof host !== 'string' || host.length === 0) return 'empty host';
  if (host.length > 253) return 'host is longer than 253 characters';
  if (host.startsWith('-')) return 'host starts with "-" (ssh would read it as an option)';
  if (CONTROL.test(host)) return 'host contains a control character';
  if (/\s/.test(host)) return 'host contains whitespace';
  if (host.includes('@')) return 'host contains "@" (a user belongs in the user field)';
  if (isIP(host) !== 0) return null;
  if (!HOST_CHARS.test(host)) return 'host may hold only letters, digits, ".", "_" and "-" (or be an IP address)';
  return null;
}

/** User names: no option look-alikes, no whitespace, no shell or `%` token characters (CVE-2023-51385, CVE-2025-61984). */
export function validateSshUser(user: string): string | null {
  const base = invalidUserReason(user);
  if (base) return `user ${base}`;
  if (!USER_CHARS.test(user)) return 'user may hold only letters, digits, ".", "_" and "-"';
  return null;
}

/** Key and known_hosts paths: absolute or `~/`, no control characters, whitespace or ssh `%`/`$` tokens. */
export function validateSshPath(path: string, what: string): string | null {
  if (path.length === 0) return `${what} is empty`;
  if (path.length > 4096) return `${what} is longer than 4096 characters`;
  if (!(path.startsWith('/') || path.startsWith('~/') || /^[A-Za-z]:[\\/]/.test(path))) return `${what} must be an absolute path`;
  if (CONTROL.test(path)) return `${what} contains a control character`;
  if (/\s/.test(path)) return `${what} contains whitespace`;
  if (/[%$"']/.test(path)) return `${what} contains "%", "$" or quotes (ssh would expand or split it)`;
  if (path.includes('\\') && !/^[A-Za-z]:\\/.test(path)) return `${what} contains a backslash`;
  return null;
}

/** `[user@]host[:port]` hops separated by commas, as for `ssh -J`. */
export function validateSshJump(jump: string): string | null {
  if (jump.length === 0) return 'jump host is empty';
  if (jump.length > 1024) return 'jump host list is too long';
  const hops = jump.split(',');
  if (hops.length > 8) return 'more than 8 jump hosts';
  for (const hop of hops) {
    const at = hop.lastIndexOf('@');
    const user = at >= 0 ? hop.slice(0, at) : null;
    let rest = at >= 0 ? hop.slice(at + 1) : hop;
    if (user !== null) {
      const why = validateSshUser(user);
      if (why) return `jump ${why}`;
    }
    let port: string | null = null;
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
    if (v6) {
      if (isIP(v6[1]) !== 6) return 'jump host in brackets is not an IPv6 address';
      rest = v6[1];
      port = v6[2] ?? null;
    } else if (rest.includes(':')) {
      const colon = rest.lastIndexOf(':');
      port = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
    if (port !== null && !(/^\d{1,5}$/.test(port) && validPort(Number(port)))) return 'jump port is not a number from 1 to 65535';
    const why = validateSshHost(rest);
    if (why) return `jump ${why}`;
  }
  return null;
}

/** Why `t` is unusable, or null. */
export function validateSshTarget(t: SshTarget): string | null {
  const host = validateSshHost(t.host);
  if (host) return host;
  if (!validPort(t.port)) return 'port is not a number from 1 to 65535';
  if (t.user !== undefined) {
    const why = validateSshUser(t.user);
    if (why) return why;
  }
  if (t.identityFile !== undefined) {
    const why = validateSshPath(t.identityFile, 'identity file');
    if (why) return why;
  }
  if (t.knownHostsFile !== undefined) {
    const why = validateSshPath(t.knownHostsFile, 'known_hosts file');
    if (why) return why;
  }
  if (t.jump !== undefined) {
    const why = validateSshJump(t.jump);
    if (why) return why;
  }
  return null;
}

/** Thrown by sshArgv for a target validateSshTarget refuses (callers validate first and return fail()). */
export class SshTargetError extends Error {
  override name = 'SshTargetError';
}

/**
 * argv (without the program name) for `ssh` to open an interactive shell on `t`.
 * Order: fixed options, per-target options, `--`, host. Throws SshTargetError for invalid input.
 */
export function sshArgv(t: SshTarget): string[] {
  const why = validateSshTarget(t);
  if (why) throw new SshTargetError(why);
  const argv = [...SSH_FIXED_OPTIONS, '-p', String(t.port)];
  if (t.user !== undefined) argv.push('-l', t.user);
  if (t.identityFile !== undefined) argv.push('-i', t.identityFile, '-o', 'IdentitiesOnly=yes');
  if (t.knownHostsFile !== undefined) argv.push('-o', `UserKnownHostsFile=${t.knownHostsFile}`);
  if (t.jump !== undefined) argv.push('-J', t.jump);
  // An interactive login shell needs a remote tty even though our stdin is a pty already.
  argv.push('-t', '--', t.host);
  return argv;
}
