import { knownHostsName, matchHashedHost, matchPatternList } from './hostPattern';
import { keyBlobType, sha256Fingerprint } from './hostKeyBlob';

// OpenSSH known_hosts (sshd.8 "SSH_KNOWN_HOSTS FILE FORMAT"; hostfile.c hostkeys_foreach_file,
// check_key_in_hostkeys, check_key_not_revoked). One line per key:
//   [@revoked|@cert-authority] hostpatterns keytype base64-key [comment]
// hostpatterns is a comma list with `*`, `?` and `!` negation, or one hashed `|1|salt|hash` name.
// ssh2 cannot verify host certificates, so `@cert-authority` lines are never a match: they are
// reported as unsupported in the verdict's detail instead.

export type KnownHostMarker = 'revoked' | 'cert-authority' | null;

export type KnownHostNames =
  | { kind: 'patterns'; patterns: string[] }
  | { kind: 'hashed'; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  marker: KnownHostMarker;
  names: KnownHostNames;
  keyType: string;
  keyBlob: Buffer;
  /** `file:line`, for messages. */
  source: string;
}

export interface KnownHostsMalformed {
  source: string;
  reason: string;
}

export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  malformed: KnownHostsMalformed[];
}

export type HostKeyStatus = 'match' | 'unknown' | 'mismatch' | 'revoked';

export interface HostKeyVerdict {
  status: HostKeyStatus;
  /** SHA256 fingerprint of the offered key, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** A sentence for a person: what was offered, what known_hosts says, where. */
  detail: string;
  /** For `mismatch`: fingerprints of the keys known_hosts holds for this host and key type. */
  knownFingerprints?: string[];
  /** The known_hosts lines that decided the verdict (`file:line`). */
  sources?: string[];
}

const WS = /[ \t]+/;

function parseNames(field: string): KnownHostNames | string {
  if (field.startsWith('|')) {
    const parts = field.split('|');
    // ['', '1', salt, hash]
    if (parts.length !== 4 || parts[1] !== '1') return 'unsupported hashed host format';
    const salt = Buffer.from(parts[2], 'base64');
    const hash = Buffer.from(parts[3], 'base64');
    if (salt.length !== 20 || hash.length !== 20) return 'bad hashed host (salt and hash must be 20 bytes)';
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field.split(',').filter((p) => p.length > 0);
  if (patterns.length === 0) return 'no host names';
  return { kind: 'patterns', patterns };
}

/** Parses known_hosts text. Lenient: bad lines land in `malformed`, never throw. */
export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const malformed: KnownHostsMalformed[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0 || line[0] === '#') continue;
    const source = `${file}:${i + 1}`;
    const fields = line.split(WS);
    let marker: KnownHostMarker = null;
    if (fields[0][0] === '@') {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else {
        malformed.push({ source, reason: `unknown marker ${m}` });
        continue;
      }
    }
    if (fields.length < 3) {
      malformed.push({ source, reason: 'expected host names, key type and key' });
      continue;
    }
    const names = parseNames(fields[0]);
    if (typeof names === 'string') {
      malformed.push({ source, reason: names });
      continue;
    }
    const keyType = fields[1];
    const keyBlob = Buffer.from(fields[2], 'base64');
    const embedded = keyBlobType(keyBlob);
    if (embedded === null || embedded !== keyType) {
      malformed.push({ source, reason: `key does not decode as ${keyType}` });
      continue;
    }
    entries.push({ marker, names, keyType, keyBlob, source });
  }
  return { entries, malformed };
}

function namesMatch(names: KnownHostNames, lookup: string): boolean {
  if (names.kind === 'hashed') return matchHashedHost(lookup, names.salt, names.hash);
  return matchPatternList(lookup, names.patterns) === 1;
}

/** Entries whose host field matches `host` on `port` (the lines OpenSSH's load_hostkeys keeps). */
export function entriesForHost(entries: readonly KnownHostEntry[], host: string, port: number): KnownHostEntry[] {
  const lookup = knownHostsName(host, port);
  return entries.filter((e) => namesMatch(e.names, lookup));
}

/** Key types known_hosts holds for a host (plain lines only), to prefer them in key exchange as OpenSSH does. */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  const types = new Set<string>();
  for (const e of entriesForHost(entries, host, port)) if (e.marker === null) types.add(e.keyType);
  return [...types];
}

/**
 * The verdict for a key offered by `host`:`port`, with OpenSSH's precedence: a revoked key is
 * refused whatever else matches; then an identical key is a match; a different key of the same
 * type is a mismatch (possible MITM); no key of that type is unknown.
 */
export function verifyHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const fingerprint = sha256Fingerprint(keyBlob);
  const offered = `${keyType} key ${fingerprint} offered by ${name}`;
  const matching = entriesForHost(entries, host, port);

  const revoked = matching.filter((e) => e.marker === 'revoked' && e.keyBlob.equals(keyBlob));
  if (revoked.length > 0) {
    const sources = revoked.map((e) => e.source);
    return { status: 'revoked', fingerprint, sources, detail: `${offered} is marked @revoked in ${sources.join(', ')}; refusing to connect` };
  }

  const plain = matching.filter((e) => e.marker === null);
  const same = plain.find((e) => e.keyType === keyType && e.keyBlob.equals(keyBlob));
  if (same) return { status: 'match', fingerprint, sources: [same.source], detail: `${offered} matches ${same.source}` };

  const caNote = matching.some((e) => e.marker === 'cert-authority')
    ? ' (@cert-authority lines match this host but host certificates are not supported, so they were not used)'
    : '';
  const sameType = plain.filter((e) => e.keyType === keyType);
  if (sameType.length > 0) {
    const knownFingerprints = sameType.map((e) => sha256Fingerprint(e.keyBlob));
    const sources = sameType.map((e) => e.source);
    return {
      status: 'mismatch',
      fingerprint,
      knownFingerprints,
      sources,
      detail:
        `HOST KEY CHANGED: ${offered}, but known_hosts has ${knownFingerprints.join(', ')} (${sources.join(', ')}). ` +
        `Someone may be intercepting the connection, or the host was reinstalled; check the key out of band before editing known_hosts${caNote}`,
    };
  }
  const otherTypes = [...new Set(plain.map((e) => e.keyType))];
  const other = otherTypes.length > 0 ? ` (known_hosts has only ${otherTypes.join(', ')} keys for it)` : '';
  return { status: 'unknown', fingerprint, detail: `${offered} is not in known_hosts${other}${caNote}` };
}
