import { analyzeNode } from '../../common/analyze/analyzeNode';
import type { PreparedCluster } from '../../common/analyze/prepareCluster';
import type { ServiceRow, SessionInfo } from '../../common/contract';
import type { AnalysisResult, NodeAnalysis, SnapshotData, SnapshotNode } from '../../common/model';

// The snapshots the app holds open. A session keeps the snapshot text (rule viewer, trace,
// export), the prepared cluster and the analysis; per-node decoded models (what Service detail
// and chain labels need, tens of MB for a 10k-Service node) are rebuilt on demand and only a
// few are kept. The oldest session is dropped past MAX_SESSIONS.

export const MAX_SESSIONS = 8;
const NODE_CACHE = 4;
/** Small snapshots (the demo) keep every node's model: rebuilding them would be the cost. */
const SMALL_SNAPSHOT_BYTES = 16 * 1024 * 1024;

export interface Session {
  id: string;
  info: SessionInfo;
  snapshot: SnapshotData;
  cluster: PreparedCluster | null;
  result: AnalysisResult;
  rows?: ServiceRow[];
  nodeCache: Map<string, NodeAnalysis>;
  nodeCacheSize: number;
}

export interface SessionStore {
  add(s: Omit<Session, 'nodeCache' | 'nodeCacheSize'>): Session;
  get(id: string): Session | undefined;
  clear(): void;
}

export function createSessionStore(max = MAX_SESSIONS): SessionStore {
  const sessions = new Map<string, Session>();
  return {
    add(s) {
      const session: Session = { ...s, nodeCache: new Map(), nodeCacheSize: nodeCacheSize(s.snapshot) };
      sessions.set(session.id, session);
      while (sessions.size > max) {
        const oldest = sessions.keys().next().value as string;
        sessions.delete(oldest);
      }
      return session;
    },
    get: (id) => sessions.get(id),
    clear: () => sessions.clear(),
  };
}

function nodeCacheSize(snapshot: SnapshotData): number {
  let bytes = 0;
  for (const n of snapshot.nodes) for (const t of Object.values(n.files)) bytes += t.length;
  return bytes <= SMALL_SNAPSHOT_BYTES ? Math.max(NODE_CACHE, snapshot.nodes.length) : NODE_CACHE;
}

export function findNode(session: Session, name: string): SnapshotNode | undefined {
  return session.snapshot.nodes.find((n) => n.name === name);
}

/** The node's full analysis (with its decoded models), from the LRU or built now. */
export function nodeAnalysis(session: Session, node: SnapshotNode): NodeAnalysis {
  const cache = session.nodeCache;
  const hit = cache.get(node.name);
  if (hit) {
    cache.delete(node.name);
    cache.set(node.name, hit);
    return hit;
  }
  const a = analyzeNode(node, session.cluster);
  cache.set(node.name, a);
  while (cache.size > session.nodeCacheSize) cache.delete(cache.keys().next().value as string);
  return a;
}
