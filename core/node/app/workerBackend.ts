import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ApiResult, TerminalRequest } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import { safeMessage } from './apiGuard';
import { createBackend } from './backend';
import type { Backend, BackendOptions, CoreMethod, SshTarget } from './backendTypes';
import { createEventHub } from './jobs';
import { MAX_SESSIONS } from './sessions';
import { DEFAULT_SSH_PORT } from './terminalTarget';
import type { FromWorker, SessionHosts, ToWorker, WorkerBackendData } from './workerProtocol';

// The Backend of the desktop app and `proxyscope serve`, run in a worker thread (issue 5: heavy
// work off the window's thread). Loading a snapshot (tar.gz + parse), the analysis, the per-node
// analysis behind Service detail, exports and scans all happen in the worker; this thread only
// posts calls and forwards events, so the Electron main process (and with it every window) and
// serve's HTTP loop never stall on them. worker_threads works the same in Electron's main process
// and in plain Node, and Electron (>= 19, electron/electron#33216) loads worker scripts from the
// app's asar archive, so the packaged app needs nothing unpacked.
//
// Cancel: `cancel({id})` reaches the worker at once (its event loop is free between phases) and
// the call that started the job is answered `cancelled` as soon as the worker acknowledges. A
// synchronous step in progress (one node's analyzeNode, parsing one file) is not interrupted:
// the worker sees the cancel when it yields. If it does not acknowledge within `cancelGraceMs`
// (default 2 s), the worker is hung: it is terminated (the hard cancel) and a fresh one started;
// every pending call then answers `cancelled` and open sessions are gone.
// Crash: a worker that dies answers every pending call fail('failed', ...) and the next call
// starts a fresh worker (without the old sessions: the message says so).

export interface WorkerBackendOptions extends BackendOptions {
  /** The worker bundle; default backendWorker.js / .cjs next to the running bundle, or ../cli. */
  workerFile?: string;
  /** How long `cancel` waits for the worker to acknowledge before terminating it. */
  cancelGraceMs?: number;
  /** Handed to the worker as workerData.extra (test shims). */
  workerExtra?: Record<string, unknown>;
}

export const CANCEL_GRACE_MS = 2000;
const DISPOSE_GRACE_MS = 5000;
const SESSIONS_LOST = 'open snapshots were closed; open the snapshot again';

/** The worker bundle next to the running one: out/main/backendWorker.js (Electron), out/cli/backendWorker.cjs. */
export function findBackendWorker(dir: string = typeof __dirname === 'string' ? __dirname : process.cwd()): string | null {
  for (const candidate of [join(dir, 'backendWorker.js'), join(dir, 'backendWorker.cjs'), join(dir, '..', 'cli', 'backendWorker.cjs')]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

interface Pending {
  method: CoreMethod;
  resolve(r: ApiResult<unknown>): void;
}

/**
 * createBackend in a worker thread. Without a worker bundle (running from sources, no
 * `workerFile`) it falls back to createBackend on this thread.
 */
export function createWorkerBackend(opts: WorkerBackendOptions): Backend {
  const { workerFile: file, cancelGraceMs = CANCEL_GRACE_MS, workerExtra, ...options } = opts;
  const workerFile = file ?? findBackendWorker();
  if (workerFile === null) return createBackend(options);
  const data: WorkerBackendData & { extra?: Record<string, unknown> } = { kind: 'proxyscope-backend', options, ...(workerExtra ? { extra: workerExtra } : {}) };

  const events = createEventHub();
  const pending = new Map<number, Pending>();
  /** jobId (progress events) -> the call that started it. */
  const jobCalls = new Map<string, number>();
  /** Scans running in the worker: a worker that stops ends them with a scan-done error. */
  const scans = new Set<string>();
  const hosts = new Map<string, Record<string, string>>();
  let worker: Worker | null = null;
  let nextId = 1;
  let disposed = false;

  /** Holds the process open only while something waits for the worker. */
  const updateRef = (): void => {
    if (!worker) return;
    if (pending.size > 0 || scans.size > 0) worker.ref();
    else worker.unref();
  };

  const settle = (id: number, result: ApiResult<unknown>): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    for (const [job, call] of jobCalls) if (call === id) jobCalls.delete(job);
    p.resolve(result);
    updateRef();
  };

  const remember = (h: SessionHosts): void => {
    hosts.delete(h.sessionId);
    hosts.set(h.sessionId, h.hosts);
    // The worker keeps MAX_SESSIONS sessions; older ones are gone there too.
    while (hosts.size > MAX_SESSIONS) hosts.delete(hosts.keys().next().value as string);
  };

  /** Ends everything the stopped worker held: pending calls, scans, sessions. */
  const lose = (result: ApiResult<never>): void => {
    const calls = [...pending.values()];
    pending.clear();
    jobCalls.clear();
    hosts.clear();
    for (const p of calls) p.resolve(result);
    const error = result.ok ? undefined : result.error;
    for (const scanId of [...scans]) events.emit({ type: 'scan-done', scanId, sessionId: null, ...(error ? { error } : {}) });
    scans.clear();
  };

  const onMessage = (m: FromWorker): void => {
    switch (m.kind) {
      case 'reply':
        if (m.hosts) remember(m.hosts);
        // Recorded before any of the scan's events can arrive (they follow the reply).
        if (pending.get(m.id)?.method === 'startScan' && m.result.ok) scans.add((m.result.value as { scanId: string }).scanId);
        settle(m.id, m.result);
        return;
      case 'event':
        if (m.event.type === 'scan-done') {
          scans.delete(m.event.scanId);
          updateRef();
        }
        events.emit(m.event);
        return;
      case 'hosts':
        remember(m.hosts);
        return;
      case 'job':
        if (pending.has(m.id)) jobCalls.set(m.jobId, m.id);
        return;
      case 'disposed':
        return;
    }
  };

  const start = (): Worker => {
    const w = new Worker(workerFile, { workerData: data });
    const stopped = (why: string): void => {
      if (w !== worker) return;
      worker = null;
      lose(fail('failed', `the analysis worker stopped: ${why}; ${SESSIONS_LOST}`));
    };
    w.on('message', (m: FromWorker) => {
      if (w === worker) onMessage(m);
    });
    w.on('error', (err) => stopped(safeMessage(err)));
    w.on('exit', (code) => stopped(`it exited with code ${code}`));
    worker = w;
    updateRef();
    return w;
  };

  const call = (method: CoreMethod, arg: unknown): Promise<ApiResult<unknown>> => {
    if (disposed) return Promise.resolve(fail('failed', 'the backend was closed'));
    const w = worker ?? start();
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, { method, resolve });
      updateRef();
      try {
        w.postMessage({ kind: 'call', id, method, arg } satisfies ToWorker);
      } catch (err) {
        settle(id, fail('failed', safeMessage(err)));
      }
    });
  };

  // Typed views of `call` per method (the worker answers with that method's ApiResult).
  const method =
    <M extends CoreMethod>(m: M) =>
    (arg?: unknown) =>
      call(m, arg) as ReturnType<Backend[M]>;

  async function cancel(req: { id: string }): Promise<ApiResult<true>> {
    const w = worker;
    if (!w) return fail('not-found', 'no running job with that id (it may have finished)');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), cancelGraceMs)));
    const answer = await Promise.race([call('cancel', req) as Promise<ApiResult<true>>, late]);
    clearTimeout(timer);
    if (answer !== 'late') {
      // The job stops at its next phase boundary; its caller need not wait for that.
      const started = answer.ok ? jobCalls.get(req.id) : undefined;
      if (started !== undefined) settle(started, fail('cancelled', 'cancelled before the analysis finished'));
      return answer;
    }
    // Hung in synchronous work: the hard cancel.
    if (worker === w) {
      worker = null;
      void w.terminate();
      lose(fail('cancelled', `cancelled: the analysis worker did not answer within ${Math.round(cancelGraceMs / 100) / 10} s and was restarted; ${SESSIONS_LOST}`));
      if (!disposed) start();
      updateRef();
    }
    return ok(true);
  }

  function terminalTarget(req: TerminalRequest): ApiResult<SshTarget> {
    const known = req.sessionId !== undefined ? hosts.get(req.sessionId) : undefined;
    if (req.sessionId !== undefined && known === undefined && req.host === undefined) return fail('not-found', 'no such session');
    const host = req.host ?? known?.[req.node];
    if (host === undefined) {
      const why = known === undefined ? 'no snapshot names it' : 'the snapshot has no address for it';
      return fail('not-found', `node ${JSON.stringify(req.node)}: ${why}; give a host`);
    }
    return ok({
      host,
      port: req.port ?? DEFAULT_SSH_PORT,
      ...(req.user !== undefined ? { user: req.user } : {}),
      ...(req.identityFile !== undefined ? { identityFile: req.identityFile } : {}),
      ...(req.knownHostsFile !== undefined ? { knownHostsFile: req.knownHostsFile } : {}),
    });
  }

  async function dispose(): Promise<void> {
    if (disposed) return;
    disposed = true;
    events.clear();
    const w = worker;
    worker = null;
    lose(fail('cancelled', 'the backend was closed'));
    if (!w) return;
    w.ref();
    // The worker's backend removes its temporary files; a hung one is stopped anyway.
    await new Promise<void>((done) => {
      const timer = setTimeout(done, DISPOSE_GRACE_MS);
      const finish = (): void => {
        clearTimeout(timer);
        done();
      };
      w.on('message', (m: FromWorker) => m.kind === 'disposed' && finish());
      w.once('exit', finish);
      try {
        w.postMessage({ kind: 'dispose' } satisfies ToWorker);
      } catch {
        finish();
      }
    });
    await w.terminate();
  }

  start();
  return {
    openDemo: method('openDemo'),
    importSnapshot: method('importSnapshot'),
    initialSession: method('initialSession'),
    analysis: method('analysis'),
    services: method('services'),
    nodes: method('nodes'),
    serviceDetail: method('serviceDetail'),
    ruleFiles: method('ruleFiles'),
    ruleText: method('ruleText'),
    trace: method('trace'),
    exportReport: method('exportReport'),
    exportSnapshot: method('exportSnapshot'),
    contexts: method('contexts'),
    approveExec: method('approveExec'),
    startScan: method('startScan'),
    cancel,
    onEvent: (listener) => events.on(listener),
    terminalTarget,
    dispose,
  };
}
