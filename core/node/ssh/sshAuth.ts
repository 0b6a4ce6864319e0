import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { utils } from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, NextAuthHandler, ParsedKey } from 'ssh2';
import { sha256Fingerprint } from './hostKeyBlob';

// Public-key authentication only (an agent, then identity files), in OpenSSH's order, each key
// offered once so a server with MaxAuthTries sees no retry storm. Passwords and
// keyboard-interactive are never tried: Proxyscope runs unattended. Passphrases come from a
// provider and are never stored or logged; `tried` lists only public facts (paths, fingerprints).

/** Returns the passphrase for an encrypted key file, or undefined to skip that key. */
export type PassphraseProvider = (keyPath: string) => string | undefined | Promise<string | undefined>;

/** A key held in memory (from a secret store), labelled for messages. */
export interface InMemoryKey {
  label: string;
  data: Buffer | string;
  passphrase?: string;
}

export interface LoadedIdentity {
  label: string;
  key: ParsedKey;
}

export interface LoadedIdentities {
  keys: LoadedIdentity[];
  /** Keys that could not be used and why (missing file, passphrase needed ...). */
  skipped: string[];
}

/** OpenSSH's default identities (ssh_config.5 IdentityFile), used when none is configured. */
export function defaultIdentityFiles(home: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => resolve(home, '.ssh', n));
}

function parsePrivate(data: Buffer | string, passphrase: string | undefined): ParsedKey | Error {
  const parsed = utils.parseKey(data, passphrase);
  if (parsed instanceof Error) return parsed;
  const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (!key || !key.isPrivateKey()) return new Error('not a private key');
  return key;
}

function needsPassphrase(err: Error): boolean {
  return /encrypted|passphrase|bad decrypt/i.test(err.message);
}

/** 'encrypted' when the key file needs a passphrase, 'ok' when it parses without one, else 'other'. */
export function keyProtection(data: Buffer | string): 'ok' | 'encrypted' | 'other' {
  const key = parsePrivate(data, undefined);
  if (!(key instanceof Error)) return 'ok';
  return needsPassphrase(key) ? 'encrypted' : 'other';
}

/** Whether `passphrase` opens the encrypted key. */
export function passphraseOpens(data: Buffer | string, passphrase: string): boolean {
  return !(parsePrivate(data, passphrase) instanceof Error);
}

export async function loadIdentities(
  files: readonly string[],
  options: { explicit: boolean; passphrase?: PassphraseProvider; inMemory?: readonly InMemoryKey[] },
): Promise<LoadedIdentities> {
  const out: LoadedIdentities = { keys: [], skipped: [] };
  for (const k of options.inMemory ?? []) {
    const key = parsePrivate(k.data, k.passphrase);
    if (key instanceof Error) out.skipped.push(`${k.label}: ${needsPassphrase(key) ? 'wrong or missing passphrase' : key.message}`);
    else out.keys.push({ label: k.label, key });
  }
  for (const path of files) {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      if (options.explicit || (err as NodeJS.ErrnoException).code !== 'ENOENT') out.skipped.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      continue;
    }
    let key = parsePrivate(data, undefined);
    if (key instanceof Error && needsPassphrase(key)) {
      const passphrase = options.passphrase ? await options.passphrase(path) : undefined;
      if (passphrase === undefined) {
        out.skipped.push(`${path}: the key is encrypted and no passphrase was given (a passphrase is needed)`);
        continue;
      }
      key = parsePrivate(data, passphrase);
      if (key instanceof Error) {
        out.skipped.push(`${path}: ${needsPassphrase(key) ? 'wrong passphrase for this encrypted key' : key.message}`);
        continue;
      }
    }
    if (key instanceof Error) out.skipped.push(`${path}: ${key.message}`);
    else out.keys.push({ label: path, key });
  }
  return out;
}

/**
 * An ssh2 authHandler trying the agent (when a socket is given) and then each key once.
 * `tried` is filled as methods are offered, for the auth-failed message.
 */
export function makeAuthHandler(
  username: string,
  agentSocket: string | undefined,
  identities: readonly LoadedIdentity[],
  tried: string[],
): AuthHandlerMiddleware {
  const queue: { method: AnyAuthMethod; label: string }[] = [];
  if (agentSocket) queue.push({ method: { type: 'agent', username, agent: agentSocket }, label: `ssh-agent (${agentSocket})` });
  for (const id of identities) {
    const fp = sha256Fingerprint(id.key.getPublicSSH());
    queue.push({ method: { type: 'publickey', username, key: id.key }, label: `${id.label} (${id.key.type} ${fp})` });
  }
  return (authsLeft: AuthenticationType[] | null, _partial: boolean, next: NextAuthHandler) => {
    // authsLeft is null on the first call, then what the server still accepts.
    while (queue.length > 0) {
      const item = queue.shift()!;
      if (authsLeft && !authsLeft.includes('publickey')) break;
      tried.push(item.label);
      next(item.method);
      return;
    }
    (next as unknown as (m: false) => void)(false);
  };
}
