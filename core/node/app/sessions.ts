import { analyzeNode } from '../../common/analyze/analyzeNode';
import type { PreparedCluster } from '../../common/analyze/prepareCluster';
import type { ApiResult, ChainLabel, ServiceDetail, ServiceRow, SessionInfo } from '../../common/contract';
import type { AnalysisResult, NodeAnalysis, SnapshotData, SnapshotNode } from '../../common/model';

// The snapshots the app holds open. A session keeps the snapshot text (rule viewer, trace,
// export), the prepared cluster and the analysis; per-node decoded models (what Service detail
// and chain labels need, tens of MB for a 10k-Service node) are rebuilt on demand and only as
// many as fit a dump-size budget are kept. What the views derive from them is small and cached
// on its own (chain labels per node file, recent Service details), so going back to a file or a
// Service never rebuilds a model. The oldest session is dropped past MAX_SESSIONS.

export const MAX_SESSIONS = 8;
/** Node models kept whatever their size (a 10k-Service node's model is tens of MB). */
const NODE_CACHE = 4;
/** Dump text whose decoded models may stay in memory at once; small snapshots (the demo) keep every node. */
const NODE_CACHE_BYTES = 32 * 1024 * 1024;
/** Chain-label lists kept (one per node file viewed; ~60k labels for a 10k-Service dump). */
export const LABEL_CACHE_SIZE = 32;
/** Service details kept (the Services the user went through last). */
export const DETAIL_CACHE_SIZE = 32;

export interface SessionStats {
  /** Full node analyses (parse + decode + check) this session ran for its views. */
  nodeAnalyses: number;
}

export interface Session {
  id: string;
  info: SessionInfo;
  snapshot: SnapshotData;
  cluster: PreparedCluster | null;
  result: AnalysisResult;
  rows?: ServiceRow[];
  nodeCache: Map<string, NodeAnalysis>;
  nodeCacheSize: number;
  /** `node \0 file` -> the rule viewer's chain labels of that file. */
  labelCache: Map<string, ChainLabel[]>;
  /** Service key -> its detail. */
  detailCache: Map<string, ApiResult<ServiceDetail>>;
  stats: SessionStats;
}

/** The fields the store adds: caches built on demand. */
export type SessionCaches = 'nodeCache' | 'nodeCacheSize' | 'labelCache' | 'detailCache' | 'stats';

export interface SessionStore {
  add(s: Omit<Session, SessionCaches>): Session;
  get(id: string): Session | undefined;
  clear(): void;
}

export function createSessionStore(max = MAX_SESSIONS): SessionStore {
  const sessions = new Map<string, Session>();
  return {
    add(s) {
      const session: Session = {
        ...s,
        nodeCache: new Map(),
        nodeCacheSize: nodeCacheSize(s.snapshot),
        labelCache: new Map(),
        detailCache: new Map(),
        stats: { nodeAnalyses: 0 },
      };
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

/** How many node models the session keeps: as many as fit NODE_CACHE_BYTES of dump text, at least NODE_CACHE. */
export function nodeCacheSize(snapshot: SnapshotData): number {
  const nodes = snapshot.nodes.length;
  let bytes = 0;
  for (const n of snapshot.nodes) for (const t of Object.values(n.files)) bytes += t.length;
  if (nodes === 0 || bytes <= NODE_CACHE_BYTES) return Math.max(NODE_CACHE, nodes);
  return Math.min(nodes, Math.max(NODE_CACHE, Math.floor(NODE_CACHE_BYTES / (bytes / nodes))));
}

export function findNode(session: Session, name: string): SnapshotNode | undefined {
  return session.snapshot.nodes.find((n) => n.name === name);
}

/** Whether the node's model is in memory (no analysis needed to use it). */
export function hasNodeAnalysis(session: Session, node: SnapshotNode): boolean {
  return session.nodeCache.has(node.name);
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
  session.stats.nodeAnalyses++;
  const a = analyzeNode(node, session.cluster);
  cache.set(node.name, a);
  while (cache.size > session.nodeCacheSize) cache.delete(cache.keys().next().value as string);
  return a;
}

/** `key`'s value from a small LRU map, built by `make` on a miss. */
export function cached<K, V>(cache: Map<K, V>, key: K, max: number, make: () => V): V {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const v = make();
  cache.set(key, v);
  while (cache.size > max) cache.delete(cache.keys().next().value as K);
  return v;
}
