import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { api, onApiEvent } from '../../api';
import type { ApiError, ApiEvent, NodeScanState, NodeView, SessionInfo } from '../../../core/common/contract';
import { createEarlyEvents, isScanEvent, openScanSession } from './scanEvents';
import type { ScanEvent } from './scanEvents';

// The Nodes view's data: per node what the scan recorded (access, status, kube-proxy's answers)
// and a rescan of one or all nodes of a session a scan made. A rescan is a scan with
// `mergeInto`: its `scan-node` events update the rows live, and its `scan-done` names a new
// session (the old snapshot with those nodes replaced), which becomes the current one. Events
// that arrive before startScan's answer are held until the scan id is known (scanEvents.ts).

export interface NodeProgress {
  state: NodeScanState;
  message: string;
}

export interface RescanState {
  /** The session being rescanned (mergeInto). */
  sessionId: string;
  context: string;
  /** null: every node. */
  nodes: string[] | null;
  scanId: string | null;
  phase: 'starting' | 'running' | 'done' | 'failed';
  error: string | null;
  /** Live state per node from scan-node events. */
  progress: Record<string, NodeProgress>;
}


export const useNodesStore = defineStore('nodes', () => {
  const views = shallowRef<NodeView[]>([]);
  /** The session `views` belong to. */
  const viewsFor = ref<string | null>(null);
  const loadError = ref<ApiError | null>(null);
  const rescan = ref<RescanState | null>(null);
  const scanning = computed(() => rescan.value !== null && (rescan.value.phase === 'starting' || rescan.value.phase === 'running'));
  const held = createEarlyEvents();
  let unsubscribe: (() => void) | null = null;
  let loadSeq = 0;
  let loadSession: ((info: SessionInfo) => Promise<boolean>) | null = null;

  async function load(sessionId: string): Promise<void> {
    const seq = ++loadSeq;
    const r = await api.nodes({ sessionId });
    if (seq !== loadSeq) return;
    viewsFor.value = sessionId;
    if (r.ok) {
      views.value = markRaw(r.value);
      loadError.value = null;
    } else {
      views.value = [];
      loadError.value = r.error;
    }
  }

  /** Rescans `nodes` (null: all) of the session; the merged session is made current through `loader`. */
  async function start(sessionId: string, view: NodeView, nodes: string[] | null, loader: (info: SessionInfo) => Promise<boolean>): Promise<void> {
    if (scanning.value || !view.rescannable || view.context === undefined || view.via === null) return;
    loadSession = loader;
    unsubscribe ??= onApiEvent(handle);
    const context = view.context;
    const s: RescanState = { sessionId, context, nodes, scanId: null, phase: 'starting', error: null, progress: {} };
    rescan.value = s;
    const r = await api.startScan({ context, via: view.via, mergeInto: sessionId, ...(nodes ? { nodes } : {}) });
    const cur = rescan.value;
    if (!cur || cur.sessionId !== sessionId || cur.scanId !== null || cur.phase !== 'starting') return;
    if (!r.ok) {
      cur.phase = 'failed';
      cur.error = r.error.message;
      held.clear();
      return;
    }
    cur.scanId = r.value.scanId;
    cur.phase = 'running';
    for (const e of held.take(r.value.scanId)) apply(e);
  }

  async function cancel(): Promise<void> {
    const id = rescan.value?.scanId;
    if (!id || !scanning.value) return;
    const r = await api.cancel({ id });
    if (!r.ok && rescan.value) rescan.value.error = r.error.message;
  }

  function handle(e: ApiEvent): void {
    if (!isScanEvent(e)) return;
    const s = rescan.value;
    if (!s) return;
    if (s.scanId === e.scanId) {
      apply(e);
      return;
    }
    if (s.phase === 'starting') held.hold(e);
  }

  function apply(e: ScanEvent): void {
    const s = rescan.value;
    if (!s) return;
    if (e.type === 'scan-node') {
      s.progress[e.node] = { state: e.state, message: e.message };
      return;
    }
    if (e.error) {
      s.phase = 'failed';
      s.error = e.error.message;
    } else {
      s.phase = 'done';
    }
    if (e.sessionId) void open(s, e.sessionId);
  }

  /** The merged session becomes the current one. */
  async function open(s: RescanState, sessionId: string): Promise<void> {
    const r = await openScanSession(sessionId, s.context, loadSession);
    if ('error' in r) s.error = r.error;
  }

  /** The live state of a node while (or after) its session is being rescanned. */
  function liveOf(sessionId: string | null, node: string): NodeProgress | null {
    const s = rescan.value;
    if (!s || s.sessionId !== sessionId) return null;
    return s.progress[node] ?? null;
  }

  function reset(): void {
    rescan.value = null;
    held.clear();
    views.value = [];
    viewsFor.value = null;
    loadError.value = null;
  }

  return { views, viewsFor, loadError, rescan, scanning, load, start, cancel, liveOf, reset };
});
