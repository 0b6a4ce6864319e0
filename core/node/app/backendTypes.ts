import type { Api, ApiEvent, ApiResult, TerminalRequest } from '../../common/contract';

// The engine side of the desktop app and `proxyscope serve` (issue 5, decision 1): the Api
// methods that need no runtime of their own (dialogs, PDF, terminals, appInfo are the
// transport's), plus events, terminal targets and cleanup. Electron main and serve both route
// through core/node/app/dispatch.ts.

export const CORE_METHODS = [
  'openDemo',
  'importSnapshot',
  'initialSession',
  'analysis',
  'services',
  'nodes',
  'serviceDetail',
  'ruleFiles',
  'ruleText',
  'trace',
  'exportReport',
  'exportSnapshot',
  'contexts',
  'approveExec',
  'startScan',
  'cancel',
] as const;

export type CoreMethod = (typeof CORE_METHODS)[number];

/** What a terminal connects to; core/node/terminal/sshArgv.ts turns it into ssh's argv. */
export interface SshTarget {
  host: string;
  port: number;
  user?: string;
  identityFile?: string;
  knownHostsFile?: string;
  jump?: string;
}

export interface Backend extends Pick<Api, CoreMethod> {
  /** Returns the unsubscribe function. */
  onEvent(listener: (e: ApiEvent) => void): () => void;
  /** The SSH target of a node: the session's Node address, overridden by the request. */
  terminalTarget(req: TerminalRequest): ApiResult<SshTarget>;
  /** Aborts running jobs, drops sessions and removes temporary files. */
  dispose(): Promise<void>;
}

export interface BackendOptions {
  /** Tool version for reports. */
  version: string;
  /** The demo snapshot folder (assets/demo). */
  demoDir: string;
  /** `serve --snapshot`: a folder or .tar.gz opened as the initial session. */
  initialSnapshot?: string;
  /** Default kubeconfig (else KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** HOME for ~/.kube/config, ~/.ssh and Proxyscope's config dir (tests). */
  home?: string;
  /** Where temporary files go (default os.tmpdir()). */
  tmpDir?: string;
}
