import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { prepareCluster } from '../../common/analyze/prepareCluster';
import type { ApiError, ApiResult, ScanRequest, SessionInfo } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import type { SnapshotData } from '../../common/model';
import { sessionInfo } from '../../common/views/sessionInfo';
import { analyzeSnapshotParallel } from '../analyzeParallel';
import { loadSnapshot } from '../snapshot/loadSnapshot';
import { guard, safeMessage } from './apiGuard';
import type { Backend, BackendOptions } from './backendTypes';
import { createEventHub, createJobs } from './jobs';
import { approveExec, contexts } from './kubeContexts';
import { nodeViews, rescanRequest, sessionScan } from './nodeViews';
import type { SessionScan } from './nodeViews';
import { runScan } from './scanJob';
import { createSessionStore } from './sessions';
import type { Session } from './sessions';
import { exportReport, ruleFiles, ruleText, serviceDetail, serviceRows, trace } from './sessionViews';
import { createTempRoot, exportSnapshotArchive, loadUploadedSnapshot } from './snapshotFiles';
import { terminalTarget } from './terminalTarget';

// The engine behind the desktop app and `proxyscope serve` (issue 5, decision 1). Sessions are
// opened from the demo, an upload, the command line or a scan; each is analysed with
// analyzeSnapshotParallel (worker threads when the bundle ships analyzeWorker.cjs) under a job
// id that `progress` events carry and `cancel` aborts. analyzeSnapshotParallel takes no
// AbortSignal, so a cancelled analysis stops at the next phase boundary and its result is dropped.

type LoadResult = ApiResult<SnapshotData>;

export function createBackend(opts: BackendOptions): Backend {
  const events = createEventHub();
  const jobs = createJobs();
  const sessions = createSessionStore();
  const temp = createTempRoot(opts.tmpDir);
  const settings = { ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}), ...(opts.home !== undefined ? { home: opts.home } : {}) };
  let initial: Promise<ApiResult<SessionInfo | null>> | null = null;
  /** Session id -> the scan that made it (what a rescan reuses); pruned with the sessions. */
  const scans = new Map<string, SessionScan>();
  const rememberScan = (id: string, req: ScanRequest): void => {
    for (const known of [...scans.keys()]) if (!sessions.get(known)) scans.delete(known);
    scans.set(id, sessionScan(req));
  };

  const cancelled = (): ApiError => ({ code: 'cancelled', message: 'cancelled before the analysis finished' });
  const progress = (jobId: string, phase: string, done: number, total: number): void => events.emit({ type: 'progress', jobId, phase, done, total });

  /** Analyses a loaded snapshot into a new session (the job's signal is checked between phases). */
  async function analyzeInto(snapshot: SnapshotData, title: string, jobId: string, signal: AbortSignal): Promise<{ ok: true; session: Session } | { ok: false; error: ApiError }> {
    const n = snapshot.nodes.length;
    progress(jobId, 'analyze', 0, n);
    const result = await analyzeSnapshotParallel(snapshot, { version: opts.version });
    if (signal.aborted) return { ok: false, error: cancelled() };
    const cluster = snapshot.clusterJson !== undefined ? prepareCluster(snapshot.clusterJson) : null;
    if (signal.aborted) return { ok: false, error: cancelled() };
    const id = randomUUID();
    const session = sessions.add({ id, info: sessionInfo(id, snapshot.source, title, result), snapshot, cluster, result });
    progress(jobId, 'analyze', n, n);
    return { ok: true, session };
  }

  /** load -> analyse -> session, as one cancellable job. */
  async function open(load: () => Promise<LoadResult>, title: (s: SnapshotData) => string): Promise<ApiResult<SessionInfo>> {
    const jobId = randomUUID();
    const signal = jobs.start(jobId);
    try {
      progress(jobId, 'load', 0, 1);
      const loaded = await load();
      if (!loaded.ok) return loaded;
      if (signal.aborted) return { ok: false, error: cancelled() };
      progress(jobId, 'load', 1, 1);
      const r = await analyzeInto(loaded.value, title(loaded.value), jobId, signal);
      return r.ok ? ok(r.session.info) : { ok: false, error: r.error };
    } finally {
      jobs.end(jobId);
    }
  }

  async function loadPath(path: string, source: string): Promise<LoadResult> {
    try {
      return ok({ ...(await loadSnapshot(path)), source });
    } catch (err) {
      return fail('invalid-snapshot', safeMessage(err));
    }
  }

  const withSession = <T>(sessionId: string, fn: (s: Session) => ApiResult<T> | Promise<ApiResult<T>>): Promise<ApiResult<T>> =>
    guard(() => {
      const s = sessions.get(sessionId);
      return s ? fn(s) : fail('not-found', 'no such session (it was closed or replaced by newer ones); open the snapshot again');
    });

  return {
    openDemo: () => guard(() => open(() => loadPath(opts.demoDir, 'demo'), () => 'Demo cluster')),

    importSnapshot: (req) => guard(() => open(() => loadUploadedSnapshot(temp, req.fileName, req.dataBase64), () => req.fileName)),

    initialSession: () =>
      guard(() => {
        const path = opts.initialSnapshot;
        if (path === undefined) return ok(null);
        // Loaded once; a failure is not cached, so a fixed file can be retried.
        initial ??= open(() => loadPath(path, path), () => basename(path)).then((r) => {
          if (!r.ok) initial = null;
          return r;
        });
        return initial;
      }),

    analysis: (req) => withSession(req.sessionId, (s) => ok(s.result)),
    services: (req) => withSession(req.sessionId, (s) => ok(serviceRows(s))),
    nodes: (req) => withSession(req.sessionId, (s) => ok(nodeViews(s, scans.get(s.id)))),
    serviceDetail: (req) => withSession(req.sessionId, (s) => serviceDetail(s, req.service)),
    ruleFiles: (req) => withSession(req.sessionId, (s) => ruleFiles(s, req.node)),
    ruleText: (req) => withSession(req.sessionId, (s) => ruleText(s, req.node, req.file)),
    trace: (req) => withSession(req.sessionId, (s) => trace(s, req)),
    exportReport: (req) => withSession(req.sessionId, (s) => ok(exportReport(s, req.format))),
    exportSnapshot: (req) => withSession(req.sessionId, async (s) => ok(await exportSnapshotArchive(temp, s.snapshot, s.info.source))),

    contexts: (req) => guard(() => contexts(settings, req.kubeconfig)),
    approveExec: (req) => guard(() => approveExec(settings, req.context, req.kubeconfig)),

    startScan: (req) =>
      guard(() => {
        let run: ScanRequest = req;
        let mergeBase: SnapshotData | undefined;
        if (req.mergeInto !== undefined) {
          const base = sessions.get(req.mergeInto);
          if (!base) return fail('not-found', 'no such session (it was closed or replaced by newer ones); scan the cluster again');
          const scan = scans.get(base.id);
          if (!scan) return fail('unsupported', 'this snapshot was not made by a scan in this window; scan the cluster from the Clusters view');
          const merged = rescanRequest(scan, req);
          if (!merged) return fail('bad-request', `a rescan uses the context of the scan that made the snapshot (${JSON.stringify(scan.context)})`);
          run = merged;
          mergeBase = base.snapshot;
        }
        const scanId = randomUUID();
        const signal = jobs.start(scanId);
        // Started on the next turn: the caller has the scan id before the first event arrives.
        setImmediate(() => {
          void runScan(scanId, run, signal, {
            settings,
            emit: events.emit,
            ...(mergeBase ? { mergeBase } : {}),
            openSession: async (snapshot, title, jobId, sig) => {
              const r = await analyzeInto(snapshot, title, jobId, sig);
              if (!r.ok) return r;
              rememberScan(r.session.id, run);
              return { ok: true, id: r.session.id };
            },
          }).finally(() => jobs.end(scanId));
        });
        return ok({ scanId });
      }),

    cancel: (req) => guard(() => (jobs.cancel(req.id) ? ok(true as const) : fail('not-found', 'no running job with that id (it may have finished)'))),

    onEvent: (listener) => events.on(listener),

    terminalTarget: (req) => {
      try {
        const session = req.sessionId !== undefined ? sessions.get(req.sessionId) : undefined;
        if (req.sessionId !== undefined && session === undefined && req.host === undefined) return fail('not-found', 'no such session');
        return terminalTarget(req, session);
      } catch (err) {
        return fail('failed', safeMessage(err));
      }
    },

    async dispose() {
      jobs.cancelAll();
      sessions.clear();
      events.clear();
      await temp.remove().catch(() => undefined);
    },
  };
}
