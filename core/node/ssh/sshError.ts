import type { HostKeyVerdict } from './knownHosts';

// One error type for everything that can go wrong while reaching a node over SSH, with a kind
// the collector maps onto a node status (issue 4: auth-failed, host-key-unknown,
// host-key-mismatch, unreachable, timeout, cancelled ...) and a message a person can act on.

export type SshErrorKind =
  | 'invalid-host' // refused before any socket: not an IP or DNS name, bad user/port
  | 'config' // ~/.ssh/config or options unusable (jump loop, unreadable key ...)
  | 'host-key-unknown'
  | 'host-key-mismatch'
  | 'host-key-revoked' // map to host-key-mismatch where only the statuses exist
  | 'auth-failed'
  | 'unreachable' // refused, no route, DNS failure, closed before the banner
  | 'timeout' // no handshake within readyTimeout, or keepalives unanswered
  | 'cancelled'
  | 'connection-lost' // the transport closed after it was ready
  | 'protocol';

export interface SshErrorInfo {
  /** Which hop: `host:port`, and whether it is a jump host. */
  hop?: string;
  jump?: boolean;
  hostKey?: HostKeyVerdict;
  /** For timeouts: which timer fired. */
  timer?: 'ready' | 'keepalive';
  /** For auth failures: what was offered, never secrets. */
  tried?: string[];
}

export class SshError extends Error {
  override name = 'SshError';
  constructor(
    readonly kind: SshErrorKind,
    message: string,
    readonly info: SshErrorInfo = {},
  ) {
    super(message);
  }
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string | number;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL']);

/** Maps an error emitted by an ssh2 Client (its `level` and `code`) onto an SshError. */
export function classifySsh2Error(err: unknown, hop: string, jump: boolean): SshError {
  const e = (err instanceof Error ? err : new Error(String(err))) as Ssh2Error;
  const where = `${jump ? 'jump host ' : ''}${hop}`;
  const info: SshErrorInfo = { hop, jump };
  const code = typeof e.code === 'string' ? e.code : undefined;
  switch (e.level) {
    case 'client-timeout':
      if (/keepalive/i.test(e.message)) return new SshError('timeout', `${where}: no answer to keepalives, the peer went silent`, { ...info, timer: 'keepalive' });
      return new SshError('timeout', `${where}: no SSH handshake within the connect timeout (the server accepted but never answered)`, { ...info, timer: 'ready' });
    case 'client-authentication':
      return new SshError('auth-failed', `${where}: authentication failed (${e.message})`, info);
    case 'client-dns':
      return new SshError('unreachable', `${where}: cannot resolve the host name (${e.message})`, info);
    case 'client-socket':
      if (code && UNREACHABLE_CODES.has(code)) return new SshError('unreachable', `${where}: ${e.message}`, info);
      if (code === 'ETIMEDOUT') return new SshError('timeout', `${where}: TCP connect timed out`, { ...info, timer: 'ready' });
      return new SshError('unreachable', `${where}: ${e.message}`, info);
    default:
      if (/before handshake/i.test(e.message)) return new SshError('unreachable', `${where}: connection closed before the SSH banner`, info);
      return new SshError('protocol', `${where}: ${e.message}`, info);
  }
}
