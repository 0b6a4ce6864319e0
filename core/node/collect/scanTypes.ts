import type { CommandStatus } from './classifyCommand';
import type { NodeCommandId } from './commands';

// The shapes of a scan (issue 4): what the caller asks for, the progress events it hears and
// the per-node verdicts it gets back. Node statuses are the list, nothing else.

export type NodeScanStatus =
  | 'ok'
  | 'partial'
  | 'auth-failed'
  | 'host-key-unknown'
  | 'host-key-mismatch'
  | 'unreachable'
  | 'timeout'
  | 'sudo-denied'
  | 'command-missing'
  | 'truncated'
  | 'incomplete'
  | 'cancelled';

/** Per-node settings; they win over the cluster-wide ones and ~/.ssh/config. */
export interface NodeSshOverride {
  /** Dial this instead of the Node object's address. */
  address?: string;
  user?: string;
  port?: number;
  jump?: string;
  sudo?: boolean;
}

export interface ScanSshOptions {
  /** ssh_config file (default: none; the CLI passes ~/.ssh/config when it exists). */
  configFile?: string;
  knownHostsFiles: string[];
  /** Proxyscope's own known_hosts: when set, unknown keys are accepted and stored there. */
  acceptNewFile?: string;
  user?: string;
  port?: number;
  jump?: string;
  sudo?: boolean;
  identityFiles?: string[];
  /**
   * Passphrases of encrypted identity files, by path (resolved like identityFiles). Held in
   * memory for this scan only: never logged, never in node.json, scan.json, events or messages.
   */
  passphrases?: Record<string, string>;
  perNode?: Record<string, NodeSshOverride>;
  /** ssh-agent socket; default SSH_AUTH_SOCK, null for none. */
  agentSocket?: string | null;
  /** HOME for default identities and `~` (tests). */
  home?: string;
  /** Per hop: TCP + banner + key exchange + auth. Default 15 s. */
  readyTimeoutMs?: number;
}

export type ScanEvent =
  | { type: 'api-listed'; context: string; nodes: number; partial: boolean }
  | { type: 'node-queued'; node: string; address?: string }
  | { type: 'node-connecting'; node: string; address: string }
  | { type: 'node-connected'; node: string }
  | { type: 'command-start'; node: string; command: NodeCommandId }
  | { type: 'command-done'; node: string; command: NodeCommandId; status: CommandStatus; bytes: number; durationMs: number }
  | { type: 'node-done'; node: string; status: NodeScanStatus; message: string };

/** `--via pod`: a privileged debug pod per node (debugPodSpec.ts). */
export interface ScanPodOptions {
  /** Default `proxyscope`; never kube-system unless asked for. */
  namespace?: string;
  /** Needs nsenter and sleep; default debian:bookworm-slim (debugPodSpec.ts says why). */
  image?: string;
  /** How long a pod may take to run (image pull included). Default 120. */
  podTimeoutSec?: number;
  /** Status polling interval while waiting (default 1000; tests use less). */
  pollMs?: number;
}

export interface ScanOptions {
  kubeconfig?: string;
  context?: string;
  /** Node names, or 'all' (default). */
  nodes?: string[] | 'all';
  /** How nodes are reached (default ssh). */
  via?: 'ssh' | 'pod';
  /** Used when via is 'ssh'. */
  ssh: ScanSshOptions;
  pod?: ScanPodOptions;
  /** Nodes scanned at once (default 8). */
  parallelism?: number;
  /** Per command, on the node (default 60). */
  commandTimeoutSec?: number;
  /** Per command stdout cap (default 256 MiB). */
  maxBytes?: number;
  /** Run credential plugins without a stored approval (`--allow-exec`). */
  allowExec?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: ScanEvent) => void;
}

/** One command's record in node.json (no output, no stderr beyond the classified message). */
export interface CommandRecord {
  id: NodeCommandId;
  file: string;
  status: CommandStatus;
  message: string;
  exitCode?: number;
  durationMs: number;
  bytes: number;
  truncated: boolean;
  /** The output was saved under `file`. */
  saved: boolean;
}

export interface NodeScanResult {
  node: string;
  /** What was dialled (host:port), when it got that far. */
  address?: string;
  status: NodeScanStatus;
  message: string;
  /** SHA256 fingerprint of the offered host key, for host-key statuses. */
  hostKeyFingerprint?: string;
  commands: CommandRecord[];
  /** Output of the commands that succeeded, by snapshot file name. */
  files: Record<string, string>;
  durationMs: number;
}

export interface ScanInfo {
  tool: 'proxyscope';
  via: 'ssh' | 'pod';
  /** Debug-pod runs: where the pods went and which leftovers the start-of-scan sweep removed. */
  pod?: { namespace: string; image: string; runId: string; swept: string[] };
  context: string;
  server: string;
  startedAt: string;
  finishedAt: string;
  insecureSkipTlsVerify: boolean;
  warnings: string[];
  api: { partial: boolean; problems: string[]; notes: string[]; resources: Record<string, unknown> };
  nodes: { node: string; status: NodeScanStatus; message: string; address?: string }[];
}

export interface ScanResult {
  nodes: NodeScanResult[];
  /** kubectl-style List JSON for cluster.json. */
  clusterJson: string;
  info: ScanInfo;
  /** Every node is ok. */
  ok: boolean;
}
