import { homedir } from 'node:os';
import type { Readable } from 'node:stream';
import { Client } from 'ssh2';
import type { ClientChannel, ConnectConfig, ServerHostKeyAlgorithm, VerifyCallback } from 'ssh2';
import { hostKeyAlgorithmsFor, keyBlobType } from './hostKeyBlob';
import { invalidHostReason, invalidUserReason, validPort } from './hostValidation';
import { knownKeyTypes, verifyHostKey } from './knownHosts';
import type { HostKeyVerdict, KnownHostEntry } from './knownHosts';
import { appendKnownHost } from './knownHostsStore';
import { defaultIdentityFiles, loadIdentities, makeAuthHandler } from './sshAuth';
import type { InMemoryKey, PassphraseProvider } from './sshAuth';
import type { SshHop, SshTarget } from './sshConfig';
import { classifySsh2Error, SshError } from './sshError';

// One SSH connection to a node, through its jump hosts. Safety properties (issue 4, security
// test plan S1-S12):
// - every hop's host key is checked against known_hosts inside ssh2's hostVerifier, which runs
//   during key exchange, so a refused key means no userauth request is ever sent;
// - strict by default; accept-new appends only to Proxyscope's own file and still refuses a
//   changed or revoked key (ssh_config.5 StrictHostKeyChecking=accept-new);
// - the agent is used for authentication only: `agent` is never put in the connect config and
//   agentForward is never set, so no auth-agent-req can be sent (CVE-2023-38408 class);
// - keepalives detect a silent peer; readyTimeout bounds the banner/handshake; AbortSignal
//   tears everything down.

export interface HostKeyPolicy {
  entries: KnownHostEntry[];
  mode: 'strict' | 'accept-new';
  /** Proxyscope's own known_hosts; required for accept-new. */
  acceptNewFile?: string;
  hashNames?: boolean;
}

export interface SshSessionOptions {
  hostKeys: HostKeyPolicy;
  /** ssh-agent socket for authentication (never forwarded). Default SSH_AUTH_SOCK; null: no agent. */
  agentSocket?: string | null;
  passphrase?: PassphraseProvider;
  privateKeys?: InMemoryKey[];
  /** Time for TCP connect + banner + key exchange + auth, per hop. Default 15 s. */
  readyTimeoutMs?: number;
  /** Default 5 s; with keepaliveCountMax 3 a silent peer is declared dead after ~20 s. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  signal?: AbortSignal;
  home?: string;
}

export interface HopVerdict {
  hop: string;
  jump: boolean;
  verdict: HostKeyVerdict;
  /** accept-new stored this key. */
  accepted?: boolean;
}

// Key types ssh2 can negotiate; others in known_hosts cannot be preferred.
const SSH2_HOST_KEY_ALGOS = new Set(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-dss']);

export function hopLabel(hop: SshHop): string {
  return hop.host.includes(':') ? `[${hop.host}]:${hop.port}` : `${hop.host}:${hop.port}`;
}

export class SshSession {
  readonly verdicts: HopVerdict[] = [];
  private readonly clients: Client[] = [];
  private lost: SshError | undefined;
  private closed = false;
  private readonly onAbort = (): void => this.fail(new SshError('cancelled', 'cancelled'));

  constructor(
    readonly target: SshTarget,
    private readonly options: SshSessionOptions,
  ) {
    // Defence in depth: a target built by hand (not by resolveSshTarget) is checked the same way.
    for (const hop of [...target.jumps, target]) {
      const why = invalidHostReason(hop.host) ?? (validPort(hop.port) ? null : `bad port ${hop.port}`) ?? invalidUserReason(hop.user);
      if (why) throw new SshError('invalid-host', `${JSON.stringify(hop.host)} is not a valid SSH target: ${why}`);
    }
    if (options.hostKeys.mode === 'accept-new' && !options.hostKeys.acceptNewFile) {
      throw new SshError('config', 'accept-new needs Proxyscope\'s own known_hosts file (acceptNewFile)');
    }
  }

  /** Why the connection is gone (keepalive timeout, peer closed, cancelled), once it is. */
  get connectionError(): SshError | undefined {
    return this.lost;
  }

  async connect(): Promise<void> {
    const signal = this.options.signal;
    if (signal?.aborted) throw new SshError('cancelled', 'cancelled before connecting');
    signal?.addEventListener('abort', this.onAbort, { once: true });
    const hops = [...this.target.jumps, this.target];
    try {
      let sock: Readable | undefined;
      for (let i = 0; i < hops.length; i++) {
        const jump = i < hops.length - 1;
        if (i > 0) sock = await this.forward(this.clients[i - 1], hops[i - 1], hops[i]);
        await this.connectHop(hops[i], jump, sock);
      }
    } catch (err) {
      this.close();
      if (signal?.aborted) throw new SshError('cancelled', 'cancelled while connecting');
      throw err;
    }
  }

  /** Opens an exec channel (no pty, no agent forwarding, no env). */
  exec(command: string): Promise<ClientChannel> {
    const client = this.clients[this.clients.length - 1];
    if (this.lost) return Promise.reject(this.lost);
    if (!client || this.closed) return Promise.reject(new SshError('connection-lost', 'not connected'));
    return new Promise((resolveExec, reject) => {
      client.exec(command, {}, (err, channel) => {
        if (err) reject(this.lost ?? new SshError('connection-lost', `cannot open a channel: ${err.message}`));
        else resolveExec(channel);
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    for (const c of [...this.clients].reverse()) {
      try {
        c.end();
      } catch {
        // already gone
      }
    }
  }

  private fail(err: SshError): void {
    if (!this.lost) this.lost = err;
    for (const c of [...this.clients].reverse()) c.destroy();
    this.closed = true;
  }

  private forward(via: Client, from: SshHop, to: SshHop): Promise<Readable> {
    const timeoutMs = this.options.readyTimeoutMs ?? 15_000;
    return new Promise((resolveFwd, reject) => {
      const timer = setTimeout(() => reject(new SshError('timeout', `jump host ${hopLabel(from)}: no answer to the forwarding request to ${hopLabel(to)}`, { hop: hopLabel(from), jump: true })), timeoutMs);
      via.forwardOut('127.0.0.1', 0, to.host, to.port, (err, stream) => {
        clearTimeout(timer);
        if (err) reject(new SshError('unreachable', `jump host ${hopLabel(from)} could not reach ${hopLabel(to)}: ${err.message}`, { hop: hopLabel(to), jump: true }));
        else resolveFwd(stream);
      });
    });
  }

  private hostVerifier(hop: SshHop, jump: boolean, denied: { verdict?: HostKeyVerdict; error?: string }) {
    const policy = this.options.hostKeys;
    return (key: Buffer, verify: VerifyCallback): void => {
      const keyType = keyBlobType(key) ?? 'unknown';
      const verdict = verifyHostKey(policy.entries, hop.host, hop.port, keyType, key);
      const record: HopVerdict = { hop: hopLabel(hop), jump, verdict };
      this.verdicts.push(record);
      if (verdict.status === 'match') return verify(true);
      if (verdict.status === 'unknown' && policy.mode === 'accept-new' && policy.acceptNewFile) {
        appendKnownHost(policy.acceptNewFile, hop.host, hop.port, keyType, key, { hashNames: policy.hashNames, home: this.options.home })
          .then(({ entry }) => {
            policy.entries.push(entry);
            record.accepted = true;
            verify(true);
          })
          .catch((err: Error) => {
            denied.verdict = verdict;
            denied.error = err.message;
            verify(false);
          });
        return;
      }
      denied.verdict = verdict;
      verify(false);
    };
  }

  private async connectHop(hop: SshHop, jump: boolean, sock: Readable | undefined): Promise<void> {
    const label = hopLabel(hop);
    const home = this.options.home ?? homedir();
    const explicit = hop.identityFiles.length > 0;
    const ids = await loadIdentities(explicit ? hop.identityFiles : defaultIdentityFiles(home), {
      explicit,
      passphrase: this.options.passphrase,
      inMemory: this.options.privateKeys,
    });
    const agentSocket = hop.identityAgent === null ? undefined : (hop.identityAgent ?? this.agentSocket());
    const tried: string[] = [];
    const denied: { verdict?: HostKeyVerdict; error?: string } = {};
    const known = knownKeyTypes(this.options.hostKeys.entries, hop.host, hop.port)
      .flatMap(hostKeyAlgorithmsFor)
      .filter((a) => SSH2_HOST_KEY_ALGOS.has(a)) as ServerHostKeyAlgorithm[];

    const config: ConnectConfig = {
      host: hop.host,
      port: hop.port,
      username: hop.user,
      sock,
      hostVerifier: this.hostVerifier(hop, jump, denied),
      authHandler: makeAuthHandler(hop.user, agentSocket, ids.keys, tried),
      agentForward: false,
      tryKeyboard: false,
      readyTimeout: this.options.readyTimeoutMs ?? 15_000,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
      // Prefer the key types known_hosts already holds, as OpenSSH does (sshconnect2.c order_hostkeyalgs).
      ...(known.length > 0 ? { algorithms: { serverHostKey: { remove: known, prepend: known, append: [] } } } : {}),
    };

    const client = new Client();
    this.clients.push(client);
    await new Promise<void>((resolveReady, reject) => {
      let ready = false;
      const onError = (raw: Error & { level?: string }): void => {
        if (ready) {
          this.onLost(classifySsh2Error(raw, label, jump));
          return;
        }
        // Per-key agent or signing problems are reported and ssh2 moves on to the next method.
        if (raw.level === 'agent' || (raw.level === 'client-authentication' && !/All configured/.test(raw.message))) {
          ids.skipped.push(`${raw.level}: ${raw.message}`);
          return;
        }
        reject(this.connectError(raw, label, jump, denied, tried, ids.skipped));
      };
      client.on('error', onError);
      client.on('ready', () => {
        ready = true;
        resolveReady();
      });
      client.on('close', () => {
        // Normally 'error' came first and already settled the promise; this covers a silent close.
        if (!ready) {
          const closedEarly = new SshError('unreachable', `${jump ? 'jump host ' : ''}${label}: connection closed during the handshake`, { hop: label, jump });
          reject(this.lost || denied.verdict ? this.connectError(closedEarly, label, jump, denied, tried, ids.skipped) : closedEarly);
        } else this.onLost(new SshError('connection-lost', `${jump ? 'jump host ' : ''}${label}: connection closed`, { hop: label, jump }));
      });
      try {
        client.connect(config);
      } catch (err) {
        reject(new SshError('config', `${label}: ${(err as Error).message}`, { hop: label, jump }));
      }
    });
  }

  private connectError(raw: Error, label: string, jump: boolean, denied: { verdict?: HostKeyVerdict; error?: string }, tried: string[], skipped: string[]): SshError {
    if (this.lost?.kind === 'cancelled') return this.lost;
    const where = `${jump ? 'jump host ' : ''}${label}`;
    if (denied.verdict) {
      const v = denied.verdict;
      const kind = v.status === 'revoked' ? 'host-key-revoked' : v.status === 'mismatch' ? 'host-key-mismatch' : 'host-key-unknown';
      const extra = denied.error ? ` (could not store it: ${denied.error})` : v.status === 'unknown' ? '; verify the fingerprint and add it to known_hosts, or use accept-new' : '';
      return new SshError(kind, `${where}: ${v.detail}${extra}`, { hop: label, jump, hostKey: v });
    }
    const err = classifySsh2Error(raw, label, jump);
    if (err.kind === 'auth-failed') {
      const parts = [`${where}: authentication failed for user ${this.hopUser(label)}`];
      parts.push(tried.length > 0 ? `tried ${tried.join(', ')}` : 'no usable key or agent');
      if (skipped.length > 0) parts.push(`skipped ${skipped.join('; ')}`);
      return new SshError('auth-failed', parts.join('; '), { hop: label, jump, tried: [...tried] });
    }
    return err;
  }

  private hopUser(label: string): string {
    const hop = [...this.target.jumps, this.target].find((h) => hopLabel(h) === label);
    return hop?.user ?? '?';
  }

  private onLost(err: SshError): void {
    if (!this.lost) this.lost = err;
  }

  private agentSocket(): string | undefined {
    if (this.options.agentSocket === null) return undefined;
    return this.options.agentSocket ?? (process.env.SSH_AUTH_SOCK || undefined);
  }
}
