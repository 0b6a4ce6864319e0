import type { Secret } from './secret';

// The parts of a kubeconfig (client-go tools/clientcmd/api/v1/types.go) Proxyscope reads, after
// the files are merged. Entries keep the file they came from; relative paths in them are
// already resolved against that file's directory, as clientcmd's ResolveLocalPaths does.

/** A `users[].user.exec` block (client.authentication.k8s.io ExecConfig). */
export interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: Secret }[];
  apiVersion: string;
  interactiveMode?: string;
  provideClusterInfo: boolean;
  installHint?: string;
}

export interface ClusterEntry {
  name: string;
  source: string;
  server?: string;
  caFile?: string;
  /** certificate-authority-data, base64-decoded. */
  caPem?: string;
  skipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** What makes the entry unusable (client-go's validation, one sentence). */
  error?: string;
}

export type AuthKind = 'none' | 'token' | 'token-file' | 'client-certificate' | 'basic' | 'exec' | 'oidc-token';

export interface UserEntry {
  name: string;
  source: string;
  token?: Secret;
  tokenFile?: string;
  certFile?: string;
  certPem?: string;
  keyFile?: string;
  keyPem?: Secret;
  username?: string;
  password?: Secret;
  exec?: ExecConfig;
  /** `as` / `as-groups`: impersonation headers. */
  impersonateUser?: string;
  impersonateGroups?: string[];
  error?: string;
}

export interface ContextEntry {
  name: string;
  source: string;
  cluster: string;
  user: string;
  namespace?: string;
  error?: string;
}

export interface KubeconfigFile {
  path: string;
  status: 'loaded' | 'missing';
}

export interface Kubeconfig {
  files: KubeconfigFile[];
  currentContext?: string;
  clusters: Map<string, ClusterEntry>;
  users: Map<string, UserEntry>;
  /** In file order, first file first. */
  contexts: Map<string, ContextEntry>;
  /** File-level oddities that do not stop anything (duplicate names, entries without a name). */
  warnings: string[];
}

/** A kubeconfig that cannot be used at all (unreadable file, not YAML, not a Config). */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}
