import { isIP } from 'node:net';

// Node names, addresses and labels come from the cluster and are untrusted. ssh2 never hands
// them to a shell, but they end up in messages, known_hosts lines and (for jump hosts) in
// forwarding requests, and an OpenSSH fallback would be open to CVE-2023-51385 (`%h`
// metacharacters) and `-oProxyCommand=` argument injection. So a host is accepted only as an
// IP address or an RFC 1123 DNS name; everything else is refused before any socket is opened.

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `host` is not an IP address or DNS name, or null when it is one. */
export function invalidHostReason(host: string): string | null {
  if (typeof host !== 'string' || host.length === 0) return 'empty host';
  if (isIP(host) !== 0) return null;
  if (host.length > 253) return 'longer than 253 characters';
  if (host.startsWith('-')) return 'starts with "-" (could be read as an option)';
  if (CONTROL.test(host)) return 'contains a control character';
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) return `"${label}" is not a DNS label (letters, digits and inner hyphens only)`;
  }
  return null;
}

/** Names in ~/.ssh/config `Host` lines may hold `_` as well; still no spaces, quotes or shell characters. */
export function invalidAliasReason(alias: string): string | null {
  if (alias.length === 0) return 'empty host';
  if (isIP(alias) !== 0) return null;
  if (alias.length > 253) return 'longer than 253 characters';
  if (alias.startsWith('-')) return 'starts with "-" (could be read as an option)';
  if (!/^[A-Za-z0-9._-]+$/.test(alias)) return 'may hold only letters, digits, ".", "_" and "-"';
  return null;
}

/** User names go into the SSH protocol, not a shell; refuse control characters (CVE-2025-61984) and spaces. */
export function invalidUserReason(user: string): string | null {
  if (user.length === 0) return 'empty user';
  if (user.length > 256) return 'longer than 256 characters';
  if (CONTROL.test(user) || /\s/.test(user)) return 'contains whitespace or a control character';
  if (user.startsWith('-')) return 'starts with "-"';
  return null;
}

export function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
