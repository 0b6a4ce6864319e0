import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { api } from '../../api';
import type { ApiError, ApiResult, AppInfo, ExportedFile, ReportFormat, ServiceRow, SessionInfo } from '../../../core/common/contract';
import type { AnalysisResult } from '../../../core/common/model/analysis';
import { downloadFile, fileToBase64 } from '../components/download';

// The loaded snapshot: which session, its analysis and its Services list. The analysis and the
// rows can be large (30k Services, thousands of findings) and never change once loaded, so they
// sit in shallowRefs as markRaw values: Vue does not walk or proxy them. Actions never throw;
// they return whether they worked and leave the reason in `error`.
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

  async function track<T>(work: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
    pending.value++;
    try {
      const r = await work();
      if (!r.ok) error.value = r.error;
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
    const r = await track(() => api.openDemo());
    return r.ok ? load(r.value) : false;
  }

  async function importFile(file: File): Promise<boolean> {
    const r = await track(async () => {
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
    const r = await track(() => api.openSnapshotDialog());
    if (!r.ok || r.value === null) return false;
    return load(r.value);
  }

  /** First start: runtime info, then the snapshot given on the command line, else the demo. */
  function init(): Promise<boolean> {
    initialized ??= (async () => {
      const ai = await track(() => api.appInfo());
      if (ai.ok) appInfo.value = ai.value;
      const initial = await track(() => api.initialSession());
      if (initial.ok && initial.value) return load(initial.value);
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
    sessionId,
    init,
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
