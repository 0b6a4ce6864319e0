import { randomBytes } from 'node:crypto';
import type { ApiEndpoint } from '../collect/apiEndpoint';
import { apiEndpoint } from '../collect/apiEndpoint';
import { createDebugPod, deleteDebugPod, waitForPodRunning } from '../collect/debugPod';
import type { PodApiContext } from '../collect/debugPod';
import { CONTAINER_NAME, DEFAULT_POD_IMAGE, DEFAULT_POD_NAMESPACE, DEFAULT_POD_TIMEOUT_SEC } from '../collect/debugPodSpec';
import { openExec } from '../collect/podExec';
import { podOptionsProblem } from '../collect/scanViaPods';
import { connectContext } from '../kube/kubeClient';
import { loadKubeconfig } from '../kube/kubeconfig';
import { DEFAULT_TERMINAL_SESSION_SEC, POD_SHELL_ARGV, terminalNodeProblem, terminalPodManifest, terminalPodName } from './podTerminalSpec';
import { attachTtyStream } from './podTerminalStream';

// A node shell through a debug pod, like `kubectl debug node/<n> -it` with nsenter: the
// collector's pod pinned to the node (podTerminalSpec.ts), polled until its container runs,
// then pods/exec with tty=true and stdin=true running POD_SHELL_ARGV, over the same endpoint
// (TLS, credential, proxy) as the scan (collect/apiEndpoint.ts). The pod is deleted whatever
// happens: the shell exits, the user closes, the signal aborts, or any step fails. An exec
// credential plugin runs only when approved (kube/execApproval.ts via connectContext).

export interface PodTerminalOptions {
  kubeconfig?: string;
  context: string;
  node: string;
  namespace?: string;
  image?: string;
  cols: number;
  rows: number;
  /** The context's exec plugin was approved (for this run or in the approvals store). */
  allowExec?: boolean;
  /** Where remembered exec approvals live (default: kube/execApproval.ts execApprovalsPath()). */
  approvalsPath?: string;
  /** Aborts the start-up, or ends the session once it runs. */
  signal?: AbortSignal;
  /** How long the pod may take to start (default 120 s). */
  podTimeoutSec?: number;
  pollMs?: number;
  /** The pod's dead-man switch beyond its start (default 8 h). */
  sessionSec?: number;
}

export interface PodTerminalSink {
  /** Output, and one-line progress notes while the pod starts. */
  data(s: string): void;
  /** Once, after the session ran: the shell's exit code, or null (closed, dropped, no status). */
  exit(code: number | null): void;
}

export interface PodTerminalSession {
  readonly namespace: string;
  readonly pod: string;
  input(data: string): void;
  resize(cols: number, rows: number): void;
  /** Ends the session; resolves once the pod is deleted. */
  close(): Promise<void>;
  /** Resolves once the session ended and the pod is deleted. */
  readonly closed: Promise<void>;
}

/** The options cannot be used (a bad node name, namespace, image or size). */
export class PodTerminalInputError extends Error {
  override name = 'PodTerminalInputError';
}

const validSize = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 1000;
// Progress notes are ours, but quote server text: no control sequence reaches the terminal.
const note = (s: string): string => `\r\n[proxyscope] ${s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')}\r\n`;

/** Why the options cannot be used, or null. */
export function podTerminalProblem(o: Pick<PodTerminalOptions, 'context' | 'node' | 'namespace' | 'image' | 'cols' | 'rows'>): string | null {
  if (!o.context) return 'a kubeconfig context is needed';
  if (!validSize(o.cols) || !validSize(o.rows)) return 'terminal size must be 1 to 1000 columns and rows';
  const node = terminalNodeProblem(o.node);
  if (node) return node;
  return podOptionsProblem({ ...(o.namespace !== undefined ? { namespace: o.namespace } : {}), ...(o.image !== undefined ? { image: o.image } : {}) });
}

/** Resolves with the running session, or rejects (PodApiError, ExecNotApprovedError, ...) after deleting what it made. */
export async function openPodTerminal(opts: PodTerminalOptions, sink: PodTerminalSink): Promise<PodTerminalSession> {
  const problem = podTerminalProblem(opts);
  if (problem) throw new PodTerminalInputError(`cannot open a debug-pod terminal: ${problem}`);
  const namespace = opts.namespace ?? DEFAULT_POD_NAMESPACE;
  const podTimeoutSec = opts.podTimeoutSec ?? DEFAULT_POD_TIMEOUT_SEC;
  const runId = `t${randomBytes(4).toString('hex')}`;
  const pod = terminalPodName(runId);
  const signal = opts.signal;

  const kc = loadKubeconfig(opts.kubeconfig !== undefined ? { explicit: opts.kubeconfig } : {});
  const client = await connectContext(kc, {
    context: opts.context,
    allowExec: opts.allowExec === true,
    ...(opts.approvalsPath !== undefined ? { approvalsPath: opts.approvalsPath } : {}),
  });
  let ep: ApiEndpoint | undefined;
  let created = false;
  let cleaned: Promise<void> | undefined;
  // Deleting never takes the signal: it must happen after a cancel too. A fresh endpoint, since
  // a long session may have outlived the credential the pod was created with.
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      try {
        if (created && ep) {
          const fresh = await apiEndpoint(client).catch(() => ep as ApiEndpoint);
          await deleteDebugPod({ ep: fresh, namespace }, pod);
        }
      } finally {
        client.close();
      }
    })());

  let ws;
  try {
    ep = await apiEndpoint(client, signal);
    const api: PodApiContext = { ep, namespace, ...(signal ? { signal } : {}) };
    const manifest = terminalPodManifest({
      runId,
      namespace,
      node: opts.node,
      image: opts.image ?? DEFAULT_POD_IMAGE,
      activeDeadlineSeconds: podTimeoutSec + (opts.sessionSec ?? DEFAULT_TERMINAL_SESSION_SEC),
    });
    sink.data(note(`creating debug pod ${namespace}/${pod} on node ${JSON.stringify(opts.node)}`));
    // Marked before the request: a create whose answer is lost may still have made the pod.
    created = true;
    await createDebugPod(api, manifest);
    await waitForPodRunning(api, pod, podTimeoutSec, opts.pollMs);
    ws = await openExec(ep, { namespace, pod, container: CONTAINER_NAME, argv: POD_SHELL_ARGV, tty: true }, signal ? { signal } : {});
  } catch (err) {
    await cleanup();
    throw err;
  }

  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const onAbort = (): void => stream.close();
  const stream = attachTtyStream(ws, {
    data: (s) => sink.data(s),
    end: (e) => {
      signal?.removeEventListener('abort', onAbort);
      if (e.failure !== undefined) sink.data(note(`the container runtime did not run the shell: ${(ep as ApiEndpoint).redact(e.failure)} (does the image have nsenter?)`));
      sink.exit(e.code);
      void cleanup().then(resolveClosed, resolveClosed);
    },
  });
  if (signal?.aborted) stream.close();
  else signal?.addEventListener('abort', onAbort, { once: true });
  stream.resize(opts.cols, opts.rows);

  return {
    namespace,
    pod,
    input: (data) => stream.input(data),
    resize: (cols, rows) => {
      if (validSize(cols) && validSize(rows)) stream.resize(cols, rows);
    },
    close: async () => {
      stream.close();
      await closed;
    },
    closed,
  };
}
