import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { api, onApiEvent } from '../../api';
import type { ApiError, ApiEvent, ApiResult, AppInfo, ExportedFile, ReportFormat, ServiceRow, SessionInfo } from '../../../core/common/contract';
import type { AnalysisResult } from '../../../core/common/model/analysis';
import { downloadFile, fileToBase64 } from '../components/download';

// The loaded snapshot: which session, its analysis and its Services list. The analysis and the
// rows can be large (30k Services, thousands of findings) and never change once loaded, so they
// sit in shallowRefs as markRaw values: Vue does not walk or proxy them. Actions never throw;
// they return whether they worked and leave the reason in `error`.

/** The backend job behind the snapshot being opened, as its last `progress` event told. */
export interface LoadProgress {
  jobId: string;
  phase: string;
  done: number;
  total: number;
}

/** The busy indicator's words for a job's phase (core/node/app/backend.ts: `load`, `analyze`; scans: `scan`). */
export function describeProgress(p: LoadProgress | null): string {
  if (!p) return 'Loading…';
  const of = (verb: string, what: string): string => (p.total > 0 ? `${verb} ${p.done} of ${p.total} ${what}${p.total === 1 ? '' : 's'}…` : `${verb}…`);
  switch (p.phase) {
    case 'load':
      return 'Loading snapshot…';
    case 'analyze':
      return of('Analysing', 'node');
    case 'scan':
      return of('Scanning', 'node');
    default:
      return p.total > 0 ? `Working: ${p.phase} (${p.done} of ${p.total})…` : `Working: ${p.phase}…`;
  }
}

export const useSessionStore = defineStore('session', () => {
  const info = ref<SessionInfo | null>(null);
  const analysis = shallowRef<AnalysisResult | null>(null);
  const services = shallowRef<ServiceRow[]>([]);
  const appInfo = ref<AppInfo | null>(null);
  const error = ref<ApiError | null>(null);
  /** A one-line confirmation (e.g. where an export was saved). */
  const notice = ref<string | null>(null);
  const pending = ref(0);
  const busy = computed(() => pending.value > 0);
  const sessionId = computed(() => info.value?.id ?? null);
  let loadSeq = 0;
  let initialized: Promise<boolean> | null = null;

  /** `quiet`: an error that is not one (a cancel the user asked for) stays out of `error`. */
  async function track<T>(work: () => Promise<ApiResult<T>>, quiet?: (e: ApiError) => boolean): Promise<ApiResult<T>> {
    pending.value++;
    try {
      const r = await work();
      if (!r.ok && !quiet?.(r.error)) error.value = r.error;
      return r;
    } catch (e) {
      // api.ts never throws; this guards against a bug turning into an unhandled rejection.
      const err: ApiError = { code: 'failed', message: e instanceof Error ? e.message : String(e) };
      error.value = err;
      return { ok: false, error: err };
    } finally {
      pending.value--;
    }
  }

  function clearError(): void {
    error.value = null;
  }

  // ---- progress and cancel of an opening snapshot (issue 5: heavy work off the UI thread) ----
  //
  // The backend runs each open (openDemo, importSnapshot, openSnapshotDialog, initialSession) as
  // one job under a random id (core/node/app/backend.ts `open`): it emits `progress` events
  // (`load` 0/1 and 1/1, then `analyze` 0/n and n/n) with that id, and `cancel({ id })` aborts it,
  // but the call never tells the renderer the id. ASSUMPTION: one snapshot opens at a time (the
  // open buttons are disabled while busy), so the job behind the pending call is the latest job
  // whose events arrive while it is pending: a `load` phase always names it (only opens load);
  // before any `load` event (the event socket may connect late in a browser) the first event of
  // a job that is not a scan is taken. Scans (core/node/app/scanJob.ts) use their scanId as the
  // job id, emit `scan` and `analyze` phases and `scan-*` events: those ids are never taken.
  // Events of other jobs, or after the open answered, are ignored.
  const progress = ref<LoadProgress | null>(null);
  /** A cancel was sent for the current job and not yet answered by the open call. */
  const cancelling = ref(false);
  const busyText = computed(() => describeProgress(progress.value));
  /** Per pending open: the job ids taken while it was pending. */
  const openings = new Set<Set<string>>();
  const scanJobs = new Set<string>();
  const cancelledJobs = new Set<string>();
  let stopEvents: (() => void) | null = null;

  function onEvent(e: ApiEvent): void {
    if (e.type === 'scan-node' || e.type === 'scan-done') {
      markScan(e.scanId);
      return;
    }
    if (e.type !== 'progress' || openings.size === 0) return;
    if (e.phase === 'scan') markScan(e.jobId);
    if (scanJobs.has(e.jobId)) return;
    const current = progress.value;
    if (current?.jobId === e.jobId || e.phase === 'load' || current === null) {
      if (current?.jobId !== e.jobId) cancelling.value = false;
      progress.value = { jobId: e.jobId, phase: e.phase, done: e.done, total: e.total };
      for (const jobs of openings) jobs.add(e.jobId);
    }
  }

  /** A scan job: never the open's (and no longer shown if it was taken by mistake). */
  function markScan(id: string): void {
    scanJobs.add(id);
    if (progress.value?.jobId === id) progress.value = null;
  }

  /** Runs one open call with progress and cancel; a cancel the user asked for leaves a notice, not an error. */
  async function opening<T>(work: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
    const jobs = new Set<string>();
    openings.add(jobs);
    stopEvents ??= onApiEvent(onEvent);
    const userCancel = (e: ApiError): boolean => e.code === 'cancelled' && [...jobs].some((j) => cancelledJobs.has(j));
    try {
      const r = await track(work, userCancel);
      if (!r.ok && userCancel(r.error)) await afterCancel();
      return r;
    } finally {
      openings.delete(jobs);
      if (openings.size === 0) {
        stopEvents?.();
        stopEvents = null;
        progress.value = null;
        cancelling.value = false;
        scanJobs.clear();
        cancelledJobs.clear();
      }
    }
  }

  /**
   * The previous session stays. But a hard cancel (core/node/app/workerBackend.ts: the worker did
   * not stop within its grace period and was restarted) closes every open snapshot, so ask the
   * backend whether it still knows the shown one, and let go of it when not.
   */
  async function afterCancel(): Promise<void> {
    const shown = info.value;
    const still = shown ? await api.nodes({ sessionId: shown.id }) : null;
    if (shown && still && !still.ok && still.error.code === 'not-found' && info.value === shown) {
      info.value = null;
      analysis.value = null;
      services.value = [];
      notice.value = 'Loading cancelled. The analysis worker had to be restarted, which closed the previous snapshot: open it again.';
      return;
    }
    notice.value = 'Loading cancelled';
  }

  /** Asks the backend to stop the job behind the snapshot being opened; false when there is none. */
  async function cancelLoad(): Promise<boolean> {
    const job = progress.value?.jobId;
    if (job === undefined || cancelling.value) return false;
    cancelledJobs.add(job);
    cancelling.value = true;
    const r = await api.cancel({ id: job });
    if (r.ok) return true;
    cancelledJobs.delete(job);
    if (progress.value?.jobId === job) cancelling.value = false;
    // not-found: the job finished meanwhile and the open answers normally.
    if (r.error.code !== 'not-found') error.value = r.error;
    return false;
  }

  /** Makes `next` the current session and fetches its analysis and Services. */
  async function load(next: SessionInfo): Promise<boolean> {
    const seq = ++loadSeq;
    const [a, s] = await Promise.all([
      track(() => api.analysis({ sessionId: next.id })),
      track(() => api.services({ sessionId: next.id })),
    ]);
    if (seq !== loadSeq) return false; // a newer load won
    if (!a.ok || !s.ok) return false;
    info.value = next;
    analysis.value = markRaw(a.value);
    services.value = markRaw(s.value);
    error.value = null;
    return true;
  }

  async function openDemo(): Promise<boolean> {
    const r = await opening(() => api.openDemo());
    return r.ok ? load(r.value) : false;
  }

  async function importFile(file: File): Promise<boolean> {
    const r = await opening(async () => {
      let dataBase64: string;
      try {
        dataBase64 = await fileToBase64(file);
      } catch (e) {
        return { ok: false, error: { code: 'failed', message: `Could not read ${file.name}: ${e instanceof Error ? e.message : String(e)}` } } as const;
      }
      return api.importSnapshot({ fileName: file.name, dataBase64 });
    });
    return r.ok ? load(r.value) : false;
  }

  /** Electron's native open dialog; false (and no error) when the user cancelled. */
  async function openDialog(): Promise<boolean> {
    const r = await opening(() => api.openSnapshotDialog());
    if (!r.ok || r.value === null) return false;
    return load(r.value);
  }

  /** First start: runtime info, then the snapshot given on the command line, else the demo. */
  function init(): Promise<boolean> {
    initialized ??= (async () => {
      const ai = await track(() => api.appInfo());
      if (ai.ok) appInfo.value = ai.value;
      const initial = await opening(() => api.initialSession());
      if (initial.ok && initial.value) return load(initial.value);
      // Cancelled: the user stopped loading the snapshot; the demo is one click away.
      if (!initial.ok && initial.error.code === 'cancelled') return false;
      return openDemo();
    })();
    return initialized;
  }

  async function save(file: ExportedFile): Promise<boolean> {
    if (appInfo.value?.nativeDialogs) {
      const r = await track(() => api.saveFileDialog({ file }));
      if (r.ok && r.value) notice.value = `Saved ${r.value}`;
      return r.ok && r.value !== null;
    }
    try {
      downloadFile(file);
      return true;
    } catch (e) {
      error.value = { code: 'failed', message: `The download failed: ${e instanceof Error ? e.message : String(e)}` };
      return false;
    }
  }

  function needSession(): string | null {
    if (info.value) return info.value.id;
    error.value = { code: 'not-found', message: 'No snapshot is loaded.' };
    return null;
  }

  async function exportReport(format: ReportFormat): Promise<boolean> {
    const id = needSession();
    if (!id) return false;
    const r = await track(() => api.exportReport({ sessionId: id, format }));
    return r.ok ? save(r.value) : false;
  }

  async function exportSnapshot(): Promise<boolean> {
    const id = needSession();
    if (!id) return false;
    const r = await track(() => api.exportSnapshot({ sessionId: id }));
    return r.ok ? save(r.value) : false;
  }

  async function exportPdf(): Promise<boolean> {
    const id = needSession();
    if (!id) return false;
    const r = await track(() => api.exportPdf({ sessionId: id }));
    if (r.ok && r.value) notice.value = `Saved ${r.value}`;
    return r.ok && r.value !== null;
  }

  return {
    info,
    analysis,
    services,
    appInfo,
    error,
    notice,
    busy,
    busyText,
    progress,
    cancelling,
    sessionId,
    init,
    cancelLoad,
    load,
    openDemo,
    importFile,
    openDialog,
    exportReport,
    exportSnapshot,
    exportPdf,
    clearError,
  };
});
