// The ONLY commands Proxyscope runs on a node: read-only dumps of kube-proxy's data plane
// (issue 4, security test plan S10). The remote command string is built from these frozen
// constants plus two numbers and a flag; no node name, address, label or other cluster data can
// reach it, and each argv element is single-quoted anyway.
//
// Each command runs as `sh -c '<WATCH>' proxyscope env LC_ALL=C [sudo -n] timeout -k 5 <T> argv...`:
// - the argv reaches the command as positional parameters ("$@"), never re-parsed by a shell;
// - WATCH (below) runs the command in the background and waits; a watcher reads the channel's
//   stdin and, at EOF (we closed the channel, or sshd saw the connection die), sends TERM to it.
//   The SSH `signal` request cannot do this job: OpenSSH refuses it for root logins ("session
//   signalling requires privilege separation") and otherwise killpg()s as the login user, which
//   does not reach a root process (session.c session_signal_req). sudo relays the TERM to its
//   command (sudo.8 "Signal handling");
// - `env LC_ALL=C` keeps sudo's and the tools' messages in English for classification and
//   works whatever the login shell is;
// - `sudo -n` never prompts: if a password is needed sudo prints "a password is required" and
//   exits (sudo.8), which we report as sudo-denied;
// - `timeout -k 5 T` bounds the command on the node even if nothing else does (GNU timeout
//   relays TERM to the command's process group and sends KILL 5 s later).

/** The fixed wrapper script; `$@` is the command. Its exit status is the command's. */
export const WATCH_SCRIPT =
  'exec 3<&0; "$@" 0</dev/null 3<&- & c=$!; ' +
  '{ while read -r _ <&3; do :; done; kill -TERM "$c"; } >/dev/null 2>&1 & w=$!; ' +
  'wait "$c"; s=$?; kill "$w" 2>/dev/null; exit "$s"';

export type NodeCommandId =
  | 'iptables-save'
  | 'iptables-legacy-save'
  | 'ip6tables-save'
  | 'ip6tables-legacy-save'
  | 'nft-json'
  | 'nft-text'
  | 'ipvsadm'
  | 'ipset'
  | 'ip-addr'
  | 'conntrack'
  | 'proxy-mode'
  | 'healthz'
  | 'metrics';

export interface NodeCommand {
  readonly id: NodeCommandId;
  /** Snapshot file under nodes/<node>/ (names the analysis already reads: core/common/trace/traceNode.ts). */
  readonly file: string;
  /** argv variants tried in order; the next one runs only when the previous command is missing (curl, then wget). */
  readonly variants: readonly (readonly string[])[];
  /** Needs root (netfilter/ipvs/conntrack netlink); run through `sudo -n` when the login user is not root. */
  readonly needsRoot: boolean;
}

const KUBE_PROXY_METRICS = 'http://127.0.0.1:10249';
const KUBE_PROXY_HEALTHZ = 'http://127.0.0.1:10256';

function http(url: string): readonly (readonly string[])[] {
  return Object.freeze([
    Object.freeze(['curl', '-sS', '--max-time', '10', url]),
    Object.freeze(['wget', '-q', '-T', '10', '-O', '-', url]),
  ]);
}

function one(...argv: string[]): readonly (readonly string[])[] {
  return Object.freeze([Object.freeze(argv)]);
}

export const NODE_COMMANDS: readonly NodeCommand[] = Object.freeze(
  [
    { id: 'iptables-save', file: 'iptables-save.txt', variants: one('iptables-save'), needsRoot: true },
    { id: 'iptables-legacy-save', file: 'iptables-legacy-save.txt', variants: one('iptables-legacy-save'), needsRoot: true },
    { id: 'ip6tables-save', file: 'ip6tables-save.txt', variants: one('ip6tables-save'), needsRoot: true },
    { id: 'ip6tables-legacy-save', file: 'ip6tables-legacy-save.txt', variants: one('ip6tables-legacy-save'), needsRoot: true },
    { id: 'nft-json', file: 'nft.json', variants: one('nft', '-j', 'list', 'ruleset'), needsRoot: true },
    { id: 'nft-text', file: 'nft.txt', variants: one('nft', 'list', 'ruleset'), needsRoot: true },
    { id: 'ipvsadm', file: 'ipvsadm.txt', variants: one('ipvsadm', '-Ln', '--exact'), needsRoot: true },
    { id: 'ipset', file: 'ipset.txt', variants: one('ipset', 'list'), needsRoot: true },
    { id: 'ip-addr', file: 'ip-addr.txt', variants: one('ip', '-o', 'addr', 'show'), needsRoot: false },
    { id: 'conntrack', file: 'conntrack.txt', variants: one('conntrack', '-L'), needsRoot: true },
    // kube-proxy's own endpoints on the node (pkg/proxy/metrics, pkg/proxy/healthcheck).
    { id: 'proxy-mode', file: 'proxy-mode.txt', variants: http(`${KUBE_PROXY_METRICS}/proxyMode`), needsRoot: false },
    { id: 'healthz', file: 'healthz.txt', variants: http(`${KUBE_PROXY_HEALTHZ}/healthz`), needsRoot: false },
    { id: 'metrics', file: 'metrics.txt', variants: http(`${KUBE_PROXY_METRICS}/metrics`), needsRoot: false },
  ].map((c) => Object.freeze(c as NodeCommand)),
);

const BY_ID = new Map<NodeCommandId, NodeCommand>(NODE_COMMANDS.map((c) => [c.id, c]));

export function nodeCommand(id: NodeCommandId): NodeCommand {
  const c = BY_ID.get(id);
  if (!c) throw new Error(`not an allowlisted command: ${String(id)}`);
  return c;
}

/** Seconds `timeout -k` waits after TERM before KILL. */
export const KILL_AFTER_SEC = 5;
export const MAX_TIMEOUT_SEC = 86_400;

const SAFE = /^[A-Za-z0-9_./:=@%+-]+$/;

/** POSIX single-quoting: safe words as is, everything else in '...' with ' written as '\''. */
export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface RemoteCommandOptions {
  sudo: boolean;
  /** Whole seconds, 1..86400. */
  timeoutSec: number;
  /** Index into the command's variants (0 unless falling back to wget). */
  variant?: number;
}

/** The exact string sent in the SSH exec request for an allowlisted command. */
export function remoteCommandFor(id: NodeCommandId, options: RemoteCommandOptions): string {
  const cmd = nodeCommand(id);
  const variant = options.variant ?? 0;
  const argv = cmd.variants[variant];
  if (!argv) throw new Error(`${id} has no variant ${variant}`);
  const t = options.timeoutSec;
  if (!Number.isInteger(t) || t < 1 || t > MAX_TIMEOUT_SEC) throw new Error(`timeoutSec must be an integer between 1 and ${MAX_TIMEOUT_SEC}`);
  const words = ['env', 'LC_ALL=C', ...(options.sudo ? ['sudo', '-n'] : []), 'timeout', '-k', String(KILL_AFTER_SEC), String(t), ...argv];
  return ['sh', '-c', WATCH_SCRIPT, 'proxyscope', ...words].map(shellQuote).join(' ');
}
