import { randomBytes } from 'node:crypto';
import type { ApiEvent, ApiResult, TerminalRequest } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import { safeMessage } from '../app/apiGuard';
import { approvalsFile, execOf, explicitKubeconfig, loadContexts } from '../app/kubeContexts';
import type { KubeSettings } from '../app/kubeContexts';
import { ExecNotApprovedError, isExecApproved, loadExecApprovals } from '../kube/execApproval';
import { KubeconfigError } from '../kube/kubeconfigTypes';
import { openPodTerminal, podTerminalProblem } from './podTerminal';
import type { PodTerminalOptions, PodTerminalSession, PodTerminalSink } from './podTerminal';

// Debug-pod terminals by id, for the transports (electron/main/nativeApi.ts, core/node/serve/
// browserApi.ts), next to the SSH pty host: the same Api calls and the same events
// (`terminal-data`, `terminal-exit`). openTerminal answers at once with the id; the pod starts
// in the background with progress written into the terminal, so the user sees what it waits for
// and can close it meanwhile (which deletes the pod). Keystrokes typed before the shell runs are
// held (capped) and sent when it does. An exec credential plugin must be approved first, as
// for a scan (core/node/app/scanJob.ts): that is answered right away as exec-approval-required.

export type OpenPodTerminal = (opts: PodTerminalOptions, sink: PodTerminalSink) => Promise<PodTerminalSession>;

export interface TerminalHubOptions {
  /** Kubeconfig default and HOME (BackendOptions' kubeconfig/home). */
  settings?: KubeSettings;
  /** Injected for tests; default openPodTerminal. */
  open?: OpenPodTerminal;
  /** Default 8: every one is a privileged pod. */
  maxTerminals?: number;
  /** Output is coalesced for this long before one event goes out. Default 8 ms. */
  flushMs?: number;
  podTimeoutSec?: number;
  pollMs?: number;
}

export interface TerminalHub {
  open(req: TerminalRequest): ApiResult<{ terminalId: string }>;
  /** The id is one of the hub's (open or starting). */
  has(terminalId: string): boolean;
  input(terminalId: string, data: string): ApiResult<true>;
  resize(terminalId: string, cols: number, rows: number): ApiResult<true>;
  close(terminalId: string): ApiResult<true>;
  /** Ends every terminal; resolves once their pods are deleted (app quit, serve shutdown). */
  closeAll(): Promise<void>;
  count(): number;
}

export const MAX_POD_TERMINALS = 8;
const MAX_INPUT_CHARS = 64 * 1024;
const MAX_EVENT_CHARS = 64 * 1024;
const MAX_HELD_INPUT = 64 * 1024;

interface PodTerm {
  id: string;
  abort: AbortController;
  session: PodTerminalSession | null;
  held: string;
  size: { cols: number; rows: number } | null;
  pending: string;
  timer: NodeJS.Timeout | null;
  ended: boolean;
  done: Promise<void>;
}

const validSize = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 1000;

/** Whether the context's credential plugin may run (scanJob.ts's check), or the error to answer. */
function execAllowed(req: TerminalRequest & { context: string }, settings: KubeSettings): ApiResult<boolean> {
  let contexts;
  try {
    contexts = loadContexts(settings, req.kubeconfig).contexts;
  } catch (err) {
    if (err instanceof KubeconfigError) return fail('not-found', err.message);
    throw err;
  }
  const c = contexts.find((x) => x.name === req.context);
  if (!c) return fail('not-found', `context ${JSON.stringify(req.context)} is not in the kubeconfig`);
  const exec = execOf(c);
  if (!exec) return ok(false);
  if (isExecApproved(exec, loadExecApprovals(approvalsFile(settings)))) return ok(true);
  return { ok: false, error: { code: 'exec-approval-required', message: new ExecNotApprovedError(c.name, exec).message, exec } };
}

export function createTerminalHub(emit: (e: ApiEvent) => void, opts: TerminalHubOptions = {}): TerminalHub {
  const settings = opts.settings ?? {};
  const openPod = opts.open ?? openPodTerminal;
  const max = opts.maxTerminals ?? MAX_POD_TERMINALS;
  const flushMs = opts.flushMs ?? 8;
  const terms = new Map<string, PodTerm>();
  /** Start-ups and sessions whose pod is not deleted yet (a terminal that exited may still be cleaning up). */
  const inFlight = new Set<Promise<void>>();

  const flush = (t: PodTerm): void => {
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    const data = t.pending;
    t.pending = '';
    for (let i = 0; i < data.length; i += MAX_EVENT_CHARS) emit({ type: 'terminal-data', terminalId: t.id, data: data.slice(i, i + MAX_EVENT_CHARS) });
  };
  const write = (t: PodTerm, s: string): void => {
    if (t.ended || s === '') return;
    t.pending += s;
    if (t.pending.length >= MAX_EVENT_CHARS) flush(t);
    else t.timer ??= setTimeout(() => flush(t), flushMs);
  };
  const end = (t: PodTerm, code: number | null): void => {
    if (t.ended) return;
    flush(t);
    t.ended = true;
    terms.delete(t.id);
    emit({ type: 'terminal-exit', terminalId: t.id, exitCode: code, signal: null });
  };

  const start = async (t: PodTerm, o: PodTerminalOptions): Promise<void> => {
    let session: PodTerminalSession;
    try {
      session = await openPod(o, { data: (s) => write(t, s), exit: (code) => end(t, code) });
    } catch (err) {
      if (!t.abort.signal.aborted) write(t, `\r\n[proxyscope] ${safeMessage(err).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')}\r\n`);
      end(t, null);
      return;
    }
    t.session = session;
    if (t.size && (t.size.cols !== o.cols || t.size.rows !== o.rows)) session.resize(t.size.cols, t.size.rows);
    if (t.held !== '') session.input(t.held);
    t.held = '';
    await session.closed;
  };

  return {
    open(req) {
      if (req.via !== 'pod') return fail('bad-request', 'This terminal hub opens debug-pod terminals only.');
      const context = req.context;
      if (context === undefined) return fail('bad-request', 'A debug-pod terminal needs the kubeconfig context of the node\'s cluster.');
      const problem = podTerminalProblem({ context, node: req.node, cols: req.cols, rows: req.rows, ...(req.podNamespace !== undefined ? { namespace: req.podNamespace } : {}), ...(req.podImage !== undefined ? { image: req.podImage } : {}) });
      if (problem) return fail('bad-request', `Cannot open a debug-pod terminal: ${problem}.`);
      if (terms.size >= max) return fail('failed', `At most ${max} debug-pod terminals can be open at once; close one first.`);
      const allowed = execAllowed({ ...req, context }, settings);
      if (!allowed.ok) return allowed;
      const kubeconfig = explicitKubeconfig(settings, req.kubeconfig);
      const abort = new AbortController();
      const id = `pod-${randomBytes(12).toString('hex')}`;
      const t: PodTerm = { id, abort, session: null, held: '', size: null, pending: '', timer: null, ended: false, done: Promise.resolve() };
      terms.set(id, t);
      t.done = start(t, {
        ...(kubeconfig !== undefined ? { kubeconfig } : {}),
        context,
        node: req.node,
        ...(req.podNamespace !== undefined ? { namespace: req.podNamespace } : {}),
        ...(req.podImage !== undefined ? { image: req.podImage } : {}),
        cols: req.cols,
        rows: req.rows,
        allowExec: allowed.value,
        signal: abort.signal,
        ...(opts.podTimeoutSec !== undefined ? { podTimeoutSec: opts.podTimeoutSec } : {}),
        ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
      }).catch(() => end(t, null));
      inFlight.add(t.done);
      void t.done.then(() => inFlight.delete(t.done));
      return ok({ terminalId: id });
    },
    has: (id) => terms.has(id),
    input(id, data) {
      const t = terms.get(id);
      if (!t) return fail('not-found', 'That terminal is closed.');
      if (typeof data !== 'string' || data.length > MAX_INPUT_CHARS) return fail('bad-request', `Terminal input is limited to ${MAX_INPUT_CHARS} characters per call.`);
      if (t.session) t.session.input(data);
      else if (t.held.length + data.length <= MAX_HELD_INPUT) t.held += data;
      return ok(true);
    },
    resize(id, cols, rows) {
      const t = terms.get(id);
      if (!t) return fail('not-found', 'That terminal is closed.');
      if (!validSize(cols) || !validSize(rows)) return fail('bad-request', 'Terminal size must be 1 to 1000 columns and rows.');
      t.size = { cols, rows };
      t.session?.resize(cols, rows);
      return ok(true);
    },
    close(id) {
      const t = terms.get(id);
      if (!t) return fail('not-found', 'That terminal is closed.');
      // Either stops the start-up (the pod is deleted, then terminal-exit) or ends the session.
      t.abort.abort();
      return ok(true);
    },
    async closeAll() {
      for (const t of terms.values()) t.abort.abort();
      await Promise.all([...inFlight]);
    },
    count: () => terms.size,
  };
}
