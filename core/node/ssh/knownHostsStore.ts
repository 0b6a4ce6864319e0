import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { hashHostName, knownHostsName } from './hostPattern';
import { parseKnownHosts } from './knownHosts';
import type { KnownHostEntry, KnownHostsMalformed } from './knownHosts';

// Reading the known_hosts files (the user's are read-only inputs) and, in accept-new mode,
// appending to Proxyscope's OWN file. Writing to ~/.ssh/known_hosts or /etc/ssh would change
// what every other ssh client on the machine trusts, so those paths are refused outright.

/** The files OpenSSH reads by default (ssh_config.5 UserKnownHostsFile, GlobalKnownHostsFile). */
export function defaultKnownHostsFiles(home = homedir()): string[] {
  return [
    resolve(home, '.ssh/known_hosts'),
    resolve(home, '.ssh/known_hosts2'),
    '/etc/ssh/ssh_known_hosts',
    '/etc/ssh/ssh_known_hosts2',
  ];
}

export interface LoadedKnownHosts {
  entries: KnownHostEntry[];
  malformed: KnownHostsMalformed[];
  /** Files that were read (missing files are skipped silently, as ssh does). */
  read: string[];
}

export async function loadKnownHostsFiles(paths: readonly string[]): Promise<LoadedKnownHosts> {
  const out: LoadedKnownHosts = { entries: [], malformed: [], read: [] };
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      out.malformed.push({ source: path, reason: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseKnownHosts(text, path);
    out.entries.push(...parsed.entries);
    out.malformed.push(...parsed.malformed);
    out.read.push(path);
  }
  return out;
}

/** Why Proxyscope must not write to `path`, or null when it is its own file. */
export function refuseForeignKnownHosts(path: string, home = homedir()): string | null {
  const abs = resolve(path);
  const sshDir = resolve(home, '.ssh');
  if (abs === sshDir || abs.startsWith(`${sshDir}/`)) return `${abs} belongs to the user's OpenSSH setup`;
  if (abs.startsWith('/etc/ssh/')) return `${abs} is the system-wide OpenSSH known_hosts`;
  return null;
}

export interface AcceptedKey {
  entry: KnownHostEntry;
  line: string;
}

/**
 * Appends one `name keytype base64` line to Proxyscope's own known_hosts (created 0600 in a
 * 0700 directory) and returns the entry to add to the in-memory list.
 */
export async function appendKnownHost(
  path: string,
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
  options: { hashNames?: boolean; home?: string } = {},
): Promise<AcceptedKey> {
  const refused = refuseForeignKnownHosts(path, options.home);
  if (refused) throw new Error(`accept-new writes only Proxyscope's own known_hosts file: ${refused}`);
  const name = knownHostsName(host, port);
  const hostField = options.hashNames ? hashHostName(name, randomBytes(20)) : name;
  const line = `${hostField} ${keyType} ${keyBlob.toString('base64')}`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // One short O_APPEND write per key keeps concurrent node connections from interleaving lines.
  await appendFile(path, `${line}\n`, { mode: 0o600 });
  const parsed = parseKnownHosts(line, `${path}:new`);
  return { entry: parsed.entries[0], line };
}
