import { parseKnownHosts } from '../../../core/node/ssh/knownHosts';
import { SshSession } from '../../../core/node/ssh/sshSession';
import type { SshSessionOptions } from '../../../core/node/ssh/sshSession';
import type { SshTarget } from '../../../core/node/ssh/sshConfig';
import type { SshdServer } from './sshdServer';

// A session to a test sshd: known_hosts from the given lines, the server's client key, no
// agent and a HOME with no default keys, unless the test overrides them.

export function targetFor(server: SshdServer, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    alias: server.host,
    host: server.host,
    port: server.port,
    user: server.user,
    identityFiles: [server.clientKey.path],
    jumps: [],
    ...overrides,
  };
}

export function sessionFor(
  server: SshdServer,
  knownHostsLines: string[],
  options: Partial<SshSessionOptions> = {},
  target: Partial<SshTarget> = {},
): SshSession {
  const { entries } = parseKnownHosts(knownHostsLines.join('\n'), 'test-known_hosts');
  return new SshSession(targetFor(server, target), {
    hostKeys: { entries, mode: 'strict' },
    agentSocket: null,
    home: server.dir,
    readyTimeoutMs: 10_000,
    keepaliveIntervalMs: 1_000,
    keepaliveCountMax: 3,
    ...options,
  });
}
