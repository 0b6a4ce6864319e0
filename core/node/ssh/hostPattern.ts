import { createHmac, timingSafeEqual } from 'node:crypto';

// Host name matching as OpenSSH does it for known_hosts and ssh_config `Host` lines
// (openssh-portable match.c: match_pattern, match_pattern_list, match_hostname;
// hostfile.c: host_hash). Names are compared in lower case.

/** The name OpenSSH looks up in known_hosts: `host` on port 22, `[host]:port` otherwise (misc.c put_host_port). */
export function knownHostsName(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 || port === 0 ? h : `[${h}]:${port}`;
}

/** `*` matches any run of characters, `?` exactly one (match.c match_pattern), iteratively. */
export function matchPattern(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === '*') {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (pc === '?' || pc === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * A comma-separated pattern list: 1 when a positive pattern matches and no negated one does,
 * -1 when a negated pattern (`!pat`) matches (that vetoes the whole list), 0 otherwise
 * (match.c match_pattern_list with dolower).
 */
export function matchPatternList(name: string, patterns: readonly string[]): -1 | 0 | 1 {
  const lower = name.toLowerCase();
  let positive = false;
  for (const raw of patterns) {
    if (raw.length === 0) continue;
    const negated = raw[0] === '!';
    const pat = (negated ? raw.slice(1) : raw).toLowerCase();
    if (matchPattern(lower, pat)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** Whether `name` matches a hashed known_hosts host field `|1|salt|hash` (HMAC-SHA1 keyed by the salt). */
export function matchHashedHost(name: string, salt: Buffer, hash: Buffer): boolean {
  if (hash.length !== 20) return false;
  const mac = createHmac('sha1', salt).update(name.toLowerCase()).digest();
  return timingSafeEqual(mac, hash);
}

/** The hashed form of a name, as `ssh-keygen -H` writes it (for tests and an opt-in hashed accept-new). */
export function hashHostName(name: string, salt: Buffer): string {
  const mac = createHmac('sha1', salt).update(name.toLowerCase()).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}
