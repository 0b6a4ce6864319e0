import type { SshError } from '../ssh/sshError';
import type { CommandStatus } from './classifyCommand';
import type { CommandRecord, NodeScanStatus } from './scanTypes';

// One status per node from what happened to its connection and its commands. A tool that is not
// installed (ipvsadm on an iptables node) only marks that command; the node is `command-missing`
// only when none of kube-proxy's data plane dumps could be taken at all.

// kube-proxy's own HTTP endpoints answer only where it binds them (metricsBindAddress,
// healthzBindAddress); a refused connection there says something about kube-proxy, not about
// the collection, so it is reported in the message without degrading the node.
const KUBE_PROXY_HTTP = new Set(['proxy-mode', 'healthz', 'metrics']);

/** The dumps the analysis needs one of (core/common/trace/traceNode.ts reads these). */
const DATAPLANE = new Set(['iptables-save', 'iptables-legacy-save', 'nft-json', 'nft-text', 'ipvsadm']);

export function statusForSshError(err: SshError): NodeScanStatus {
  switch (err.kind) {
    case 'host-key-unknown':
      return 'host-key-unknown';
    case 'host-key-mismatch':
    case 'host-key-revoked':
      return 'host-key-mismatch';
    case 'auth-failed':
      return 'auth-failed';
    case 'timeout':
      return 'timeout';
    case 'cancelled':
      return 'cancelled';
    case 'connection-lost':
    case 'protocol':
      return 'incomplete';
    default:
      // invalid-host, config, unreachable: nothing reached the node.
      return 'unreachable';
  }
}

// When several commands failed differently, the node shows the one a person must act on first.
const SEVERITY: Record<CommandStatus, number> = {
  cancelled: 6,
  'sudo-denied': 5,
  truncated: 4,
  timeout: 3,
  incomplete: 2,
  failed: 1,
  'command-missing': 0,
  ok: 0,
};

export function nodeStatusFromCommands(commands: readonly CommandRecord[]): { status: NodeScanStatus; message: string } {
  const httpFailed = commands.filter((c) => c.status === 'failed' && KUBE_PROXY_HTTP.has(c.id));
  const bad = commands.filter((c) => c.status !== 'ok' && c.status !== 'command-missing' && !httpFailed.includes(c));
  const missing = commands.filter((c) => c.status === 'command-missing').map((c) => c.id);
  const okCount = commands.filter((c) => c.status === 'ok').length;
  const dumps = commands.filter((c) => DATAPLANE.has(c.id) && c.status === 'ok').map((c) => c.id);
  const notInstalled =
    (missing.length > 0 ? `; not installed: ${missing.join(', ')}` : '') +
    (httpFailed.length > 0 ? `; kube-proxy did not answer: ${httpFailed.map((c) => `${c.id} (${c.message})`).join(', ')}` : '');
  if (bad.length === 0) {
    if (dumps.length === 0) {
      return { status: 'command-missing', message: `none of iptables-save, nft or ipvsadm could be run on the node${notInstalled}` };
    }
    return { status: 'ok', message: `${okCount} of ${commands.length} commands ok (${dumps.join(', ')})${notInstalled}` };
  }
  const worst = bad.reduce((a, b) => (SEVERITY[b.status] > SEVERITY[a.status] ? b : a));
  const status: NodeScanStatus = worst.status === 'failed' ? 'partial' : worst.status;
  const list = bad.map((c) => `${c.id}: ${c.status} (${c.message})`).join('; ');
  return { status, message: `${okCount} of ${commands.length} commands ok; ${list}${notInstalled}` };
}
