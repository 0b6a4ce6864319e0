import type { AnalysisResult, NodeSummary } from './model/analysis';
import type { Evidence } from './model/evidence';
import type { Finding, Severity } from './model/finding';
import type { L4Protocol, ProxyMode } from './model/programmed';
import type { BackendMark } from './explain/explainServicePort';
import type { TraceResult } from './trace/traceTypes';

// The one interface between the UI and the engine. Electron's preload bridge (IPC channels
// `api:<method>`) and `proxyscope serve` (POST /api/<method>, events on a WebSocket) both carry
// exactly these methods; their arguments are validated with contractSchemas.ts on the receiving
// side. Every value is plain JSON. Errors cross as values (ApiResult), never as exceptions.

export type ApiErrorCode =
  | 'bad-request' // arguments failed schema validation
  | 'forbidden' // foreign sender / missing token / feature disabled (terminals)
  | 'not-found' // unknown session, node, Service, file, terminal, scan
  | 'unsupported' // not available in this runtime (native dialogs in the browser)
  | 'exec-approval-required' // the context's credential plugin has not been approved
  | 'cancelled'
  | 'invalid-snapshot'
  | 'failed';

export interface ApiError {
  code: ApiErrorCode;
  /** One or two sentences a person can act on; never contains secrets. */
  message: string;
  /** exec-approval-required: what would run. */
  exec?: ExecApprovalRequest;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export type Runtime = 'electron' | 'browser';

export interface AppInfo {
  version: string;
  runtime: Runtime;
  /** Terminals can be opened (Electron; `serve --allow-terminals`). */
  terminals: boolean;
  /** Native open/save dialogs and PDF export (Electron only). */
  nativeDialogs: boolean;
}

/** A loaded snapshot and its analysis, held by the backend. */
export interface SessionInfo {
  id: string;
  /** `demo`, a path, an uploaded file name, or `scan of <context>`. */
  source: string;
  title: string;
  hasCluster: boolean;
  generatedAt: string;
  nodes: NodeSummary[];
  counts: Record<Severity, number>;
  limitations: string[];
}

/** One row of the Services list. */
export interface ServiceRow {
  /** `ns/name` */
  key: string;
  namespace: string;
  name: string;
  type: string;
  clusterIPs: string[];
  /** `port/proto` labels, e.g. `http 80/tcp`. */
  ports: string[];
  findings: number;
  worst: Severity | null;
  /** False for Services kube-proxy leaves alone (headless, ExternalName, …). */
  proxied: boolean;
}

export interface BackendRowView {
  endpoint: string;
  mark: BackendMark;
  pod: string | null;
  /** Node the endpoint runs on (from the EndpointSlice). */
  podNode: string | null;
  ready: boolean | null;
  serving: boolean | null;
  terminating: boolean | null;
  probability: number | null;
  weight: number | null;
  chain: string | null;
  evidence: Evidence[];
}

export interface PathView {
  policy: 'cluster' | 'local';
  chain: string | null;
  terminatingFallback: boolean;
  rows: BackendRowView[];
}

export interface FrontendView {
  kind: string;
  ip: string | null;
  port: number;
  protocol: L4Protocol;
  path: string;
  target: string;
  evidence: Evidence;
}

/** One Service port on one node: expected vs programmed. */
export interface NodePortView {
  node: string;
  mode: ProxyMode | 'unknown';
  family: 4 | 6;
  programmed: boolean;
  expected: boolean;
  frontends: FrontendView[];
  paths: PathView[];
  markers: { kind: string; reason: string; evidence: Evidence }[];
  notes: string[];
}

export interface ServicePortView {
  /** `ns/name:port/proto` */
  label: string;
  portName: string;
  protocol: L4Protocol;
  nodes: NodePortView[];
}

export interface ServiceDetail {
  row: ServiceRow;
  ports: ServicePortView[];
  findings: Finding[];
}

export interface RuleFileInfo {
  /** File name inside the node's folder, e.g. `iptables-save.txt`. */
  name: string;
  /** Snapshot path, e.g. `nodes/n1/iptables-save.txt` (what Evidence.file holds). */
  path: string;
  lines: number;
  bytes: number;
  /** How to colour it. */
  syntax: 'iptables' | 'nft' | 'nft-json' | 'ipvsadm' | 'ipset' | 'conntrack' | 'text';
}

/** A chain (or nft chain / IPVS virtual server) the viewer can jump to. */
export interface ChainLabel {
  chain: string;
  /** 1-based line of its declaration / first rule. */
  line: number;
  /** `ns/name:port/proto` when it belongs to a Service port. */
  service: string | null;
}

export interface RuleText {
  node: string;
  file: RuleFileInfo;
  /** The file's text, one entry per line (line n is lines[n-1]). */
  lines: string[];
  chains: ChainLabel[];
}

export interface TraceRequest {
  sessionId: string;
  node: string;
  dst: string;
  port: number;
  protocol: L4Protocol;
  src?: string;
  fromLocalProcess?: boolean;
}

export type ReportFormat = 'html' | 'markdown' | 'json';

export interface ExportedFile {
  fileName: string;
  mime: string;
  /** Text for reports; base64 for binary (`encoding: 'base64'`). */
  data: string;
  encoding: 'utf8' | 'base64';
}

export interface ContextView {
  name: string;
  cluster: string;
  user: string;
  server?: string;
  current: boolean;
  error?: string;
  warnings: string[];
  auth: string;
  exec?: ExecApprovalRequest;
  /** The exec plugin (if any) is approved already. */
  execApproved: boolean;
}

export interface ExecApprovalRequest {
  command: string;
  args: string[];
  /** Names only: values can be secrets. */
  envNames: string[];
}

/** Cluster-wide SSH settings for a scan (per-node overrides by node name). */
export interface SshSettings {
  user?: string;
  port?: number;
  jump?: string;
  sudo?: boolean;
  identityFile?: string;
  /** Passphrase of an encrypted identityFile, for this scan only (never logged or written in clear). */
  identityPassphrase?: string;
  /** Electron: keep identityPassphrase in the OS keychain (safeStorage) for later scans. */
  rememberPassphrase?: boolean;
  /** Accept unknown host keys into Proxyscope's own known_hosts (never changed keys). */
  acceptNew?: boolean;
  perNode?: Record<string, { address?: string; user?: string; port?: number; jump?: string; sudo?: boolean }>;
}

export interface ScanRequest {
  context: string;
  kubeconfig?: string;
  via: 'ssh' | 'pod';
  nodes?: string[];
  ssh?: SshSettings;
  /**
   * Rescan: a session made by a scan in this backend. Its scan's settings are reused (fields
   * given here win), only `nodes` are scanned (none: all), and scan-done names a NEW session:
   * the old snapshot with those nodes' folders and cluster.json replaced, analysed again.
   */
  mergeInto?: string;
}

export type NodeScanState =
  | 'queued'
  | 'connecting'
  | 'collecting'
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

export interface TerminalRequest {
  /** Node name (from the session) the terminal is for. */
  node: string;
  sessionId?: string;
  /** Explicit target; defaults come from the Node's address and the SSH settings. */
  host?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  /** known_hosts file (tests use their own). */
  knownHostsFile?: string;
  /**
   * 'ssh' (default): system ssh to the node. 'pod': a shell in the host's namespaces through a
   * privileged debug pod pinned to the node (core/node/terminal/podTerminal.ts); needs `context`.
   */
  via?: 'ssh' | 'pod';
  /** via 'pod': the kubeconfig context of the node's cluster. */
  context?: string;
  /** via 'pod': the kubeconfig file (default: KUBECONFIG, else ~/.kube/config). */
  kubeconfig?: string;
  /** via 'pod': the namespace the debug pod goes to (default `proxyscope`). */
  podNamespace?: string;
  /** via 'pod': the debug pod's image (default: the collector's, with nsenter). */
  podImage?: string;
  cols: number;
  rows: number;
}

/** One command a scan ran on a node, as node.json recorded it (never its output). */
export interface NodeCommandView {
  id: string;
  /** `ok`, `sudo-denied`, `command-missing`, `timeout`, `truncated`, `incomplete`, `cancelled`, `failed`. */
  status: string;
  message: string;
  bytes: number;
  durationMs: number;
}

/** One node of a session: its analysis summary and what the scan that collected it recorded. */
export interface NodeView {
  summary: NodeSummary;
  /** How the dumps were collected (null: not a scan, or not recorded). */
  via: 'ssh' | 'pod' | null;
  /** What was dialled (`host:port`, `pod ns/name`). */
  address: string | null;
  /** The node's scan status (NodeScanState's final values), null without node.json. */
  scanStatus: string | null;
  /** Why, in words (the scan's message). */
  scanMessage: string | null;
  commands: NodeCommandView[];
  /** kube-proxy's own answers (`/proxyMode`, `/healthz`), when collected. */
  kubeProxy: { mode: string | null; healthz: string | null };
  /** The session came from a scan in this backend: startScan({ mergeInto }) can rescan the node. */
  rescannable?: boolean;
  /** The kubeconfig context that scan used. */
  context?: string;
}

/** What an application menu item asks the window to do (Electron). */
export type MenuAction = 'open-snapshot' | 'export-html' | 'export-markdown' | 'export-json' | 'export-pdf' | 'export-snapshot';

/** Pushed from the backend to the UI. */
export type ApiEvent =
  | { type: 'progress'; jobId: string; phase: string; done: number; total: number }
  | { type: 'scan-node'; scanId: string; node: string; state: NodeScanState; message: string }
  | { type: 'scan-done'; scanId: string; sessionId: string | null; error?: ApiError; notice?: string }
  | { type: 'terminal-data'; terminalId: string; data: string }
  | { type: 'terminal-exit'; terminalId: string; exitCode: number | null; signal: number | null }
  | { type: 'menu'; action: MenuAction };

export interface Api {
  appInfo(): Promise<ApiResult<AppInfo>>;
  /** The built-in demo cluster (what a first start opens). */
  openDemo(): Promise<ApiResult<SessionInfo>>;
  /** A snapshot `.tar.gz` uploaded as bytes (browser, drag and drop). */
  importSnapshot(req: { fileName: string; dataBase64: string }): Promise<ApiResult<SessionInfo>>;
  /** Native open dialog (Electron); `null` when the user cancelled. */
  openSnapshotDialog(): Promise<ApiResult<SessionInfo | null>>;
  /** The snapshot given on the command line (`serve --snapshot`), if any. */
  initialSession(): Promise<ApiResult<SessionInfo | null>>;
  analysis(req: { sessionId: string }): Promise<ApiResult<AnalysisResult>>;
  services(req: { sessionId: string }): Promise<ApiResult<ServiceRow[]>>;
  /** Per node: analysis summary, access method, scan status and kube-proxy's mode/health. */
  nodes(req: { sessionId: string }): Promise<ApiResult<NodeView[]>>;
  serviceDetail(req: { sessionId: string; service: string }): Promise<ApiResult<ServiceDetail>>;
  ruleFiles(req: { sessionId: string; node: string }): Promise<ApiResult<RuleFileInfo[]>>;
  ruleText(req: { sessionId: string; node: string; file: string }): Promise<ApiResult<RuleText>>;
  trace(req: TraceRequest): Promise<ApiResult<TraceResult>>;
  exportReport(req: { sessionId: string; format: ReportFormat }): Promise<ApiResult<ExportedFile>>;
  exportSnapshot(req: { sessionId: string }): Promise<ApiResult<ExportedFile>>;
  /** Native save dialog (Electron); returns the path written, or null when cancelled. */
  saveFileDialog(req: { file: ExportedFile }): Promise<ApiResult<string | null>>;
  /** PDF of the HTML report (Electron printToPDF), saved via a native dialog. */
  exportPdf(req: { sessionId: string }): Promise<ApiResult<string | null>>;
  contexts(req: { kubeconfig?: string }): Promise<ApiResult<ContextView[]>>;
  approveExec(req: { context: string; kubeconfig?: string }): Promise<ApiResult<true>>;
  startScan(req: ScanRequest): Promise<ApiResult<{ scanId: string }>>;
  cancel(req: { id: string }): Promise<ApiResult<true>>;
  openTerminal(req: TerminalRequest): Promise<ApiResult<{ terminalId: string }>>;
  terminalInput(req: { terminalId: string; data: string }): Promise<ApiResult<true>>;
  terminalResize(req: { terminalId: string; cols: number; rows: number }): Promise<ApiResult<true>>;
  closeTerminal(req: { terminalId: string }): Promise<ApiResult<true>>;
  /** http(s) only, after the user confirmed (Electron: native dialog; browser: window.open). */
  openExternal(req: { url: string }): Promise<ApiResult<boolean>>;
  /**
   * Deletes the passphrase remembered for an identity file (Electron, OS keychain); true when
   * one was stored. The browser version never stores passphrases: `unsupported` there.
   */
  forgetPassphrase(req: { identityFile: string }): Promise<ApiResult<boolean>>;
}

export type ApiMethod = keyof Api;

/** Every method, for transports that register one handler per method. */
export const API_METHODS = [
  'appInfo',
  'openDemo',
  'importSnapshot',
  'openSnapshotDialog',
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
  'saveFileDialog',
  'exportPdf',
  'contexts',
  'approveExec',
  'startScan',
  'cancel',
  'openTerminal',
  'terminalInput',
  'terminalResize',
  'closeTerminal',
  'openExternal',
  'forgetPassphrase',
] as const satisfies readonly ApiMethod[];

/** The argument type of a method (undefined for methods that take none). */
export type ApiArg<M extends ApiMethod> = Parameters<Api[M]> extends [infer A] ? A : undefined;
export type ApiValue<M extends ApiMethod> = Awaited<ReturnType<Api[M]>> extends ApiResult<infer V> ? V : never;

/** IPC channel of a method (Electron) and the one channel events arrive on. */
export const apiChannel = (m: ApiMethod): string => `api:${m}`;
export const API_EVENT_CHANNEL = 'api:event';

export const ok = <T>(value: T): ApiResult<T> => ({ ok: true, value });
export const fail = (code: ApiErrorCode, message: string, extra: Partial<ApiError> = {}): ApiResult<never> => ({
  ok: false,
  error: { code, message, ...extra },
});

// Compile-time: API_METHODS lists every method of Api.
type MissingMethods = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
export const API_METHODS_COMPLETE: MissingMethods extends never ? true : MissingMethods = true;

/**
 * What the preload script exposes as `window.proxyscope` (contextBridge). The renderer's api.ts
 * wraps it; in a browser (`proxyscope serve`) api.ts speaks HTTP/WebSocket instead.
 */
export interface PreloadBridge {
  runtime: 'electron';
  invoke(method: ApiMethod, arg?: unknown): Promise<ApiResult<unknown>>;
  /** Returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
}
