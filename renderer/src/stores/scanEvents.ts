import { api } from '../../api';
import type { ApiEvent, SessionInfo } from '../../../core/common/contract';
import type { AnalysisResult } from '../../../core/common/model/analysis';

// What the two stores that start scans (clusters.ts: a new scan; nodes.ts: a rescan merged into
// a session) share: holding the events that arrive before startScan answers with the scan id
// (the backend can be quick), and making a finished scan's session the current one.

export type ScanEvent = Extract<ApiEvent, { type: 'scan-node' } | { type: 'scan-done' }>;

export function isScanEvent(e: ApiEvent): e is ScanEvent {
  return e.type === 'scan-node' || e.type === 'scan-done';
}

const HELD_IDS = 8;
const HELD_EVENTS = 5000;

/** Events of scans whose id is not known yet, bounded (ids and events per id). */
export function createEarlyEvents() {
  const held = new Map<string, ScanEvent[]>();
  return {
    hold(e: ScanEvent): void {
      let list = held.get(e.scanId);
      if (!list) {
        if (held.size >= HELD_IDS) return;
        list = [];
        held.set(e.scanId, list);
      }
      if (list.length < HELD_EVENTS) list.push(e);
    },
    /** The held events of `scanId`; the others belonged to scans that are not ours and go. */
    take(scanId: string): ScanEvent[] {
      const list = held.get(scanId) ?? [];
      held.clear();
      return list;
    },
    clear(): void {
      held.clear();
    },
  };
}

/** A scan only reports its session id: the SessionInfo is rebuilt from that session's analysis. */
export function sessionFromAnalysis(id: string, context: string, a: AnalysisResult): SessionInfo {
  return {
    id,
    source: `scan of ${context}`,
    title: `Scan of ${context}`,
    hasCluster: a.snapshot.cluster !== null,
    generatedAt: a.generatedAt,
    nodes: a.nodes,
    counts: a.counts,
    limitations: a.limitations,
  };
}

/** Makes a finished scan's session current through `loader`: an error message, or whether it loaded. */
export async function openScanSession(
  sessionId: string,
  context: string,
  loader: ((info: SessionInfo) => Promise<boolean>) | null,
): Promise<{ error: string } | { loaded: boolean }> {
  const r = await api.analysis({ sessionId });
  if (!r.ok) return { error: r.error.message };
  return { loaded: loader !== null && (await loader(sessionFromAnalysis(sessionId, context, r.value))) };
}
