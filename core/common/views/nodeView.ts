import type { NodeCommandView, NodeView } from '../contract';
import type { NodeSummary } from '../model/analysis';

// One row of the Nodes view: the analysis summary plus what the scan that collected the node
// wrote next to its dumps: node.json (core/node/collect/scan.ts scanSnapshotData: address,
// status, message, per-command records) and kube-proxy's own answers, proxy-mode.txt (GET
// :10249/proxyMode, pkg/proxy/metrics) and healthz.txt (GET :10256/healthz,
// pkg/proxy/healthcheck/proxy_health.go). Snapshots are input: node.json may be missing,
// broken or hostile, so every field is checked and long strings are cut.

export const NODE_META_FILE = 'node.json';
export const PROXY_MODE_FILE = 'proxy-mode.txt';
export const HEALTHZ_FILE = 'healthz.txt';

/** Longest message / address kept (a whole node.json can be hundreds of MB in a hostile archive). */
const MAX_TEXT = 2000;
const MAX_COMMANDS = 64;

export interface NodeScanContext {
  via: 'ssh' | 'pod';
  context: string;
}

type Json = Record<string, unknown>;

export function parseObject(text: string | undefined): Json | null {
  if (text === undefined || text.length > 16 * 1024 * 1024) return null;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

function cut(s: string, max = MAX_TEXT): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? cut(v) : null;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0;
}

function commandsOf(v: unknown): NodeCommandView[] {
  if (!Array.isArray(v)) return [];
  const out: NodeCommandView[] = [];
  for (const c of v.slice(0, MAX_COMMANDS)) {
    if (typeof c !== 'object' || c === null) continue;
    const r = c as Json;
    const id = str(r.id);
    if (id === null) continue;
    out.push({ id, status: str(r.status) ?? 'unknown', message: str(r.message) ?? '', bytes: num(r.bytes), durationMs: num(r.durationMs) });
  }
  return out;
}

/** The first non-empty line of a kube-proxy answer, trimmed (null when there is none). */
function firstLine(text: string | undefined, max: number): string | null {
  if (text === undefined) return null;
  const line = text
    .slice(0, 64 * 1024)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return line === undefined ? null : cut(line, max);
}

/** Debug-pod scans record `pod <ns>/<name>` as the address (core/node/collect/scanNodeViaPod.ts). */
function viaOf(address: string | null): 'ssh' | 'pod' | null {
  if (address === null) return null;
  return address.startsWith('pod ') ? 'pod' : 'ssh';
}

export function nodeView(summary: NodeSummary, files: Readonly<Record<string, string>>, scan?: NodeScanContext): NodeView {
  const has = (f: string): string | undefined => (Object.prototype.hasOwnProperty.call(files, f) ? files[f] : undefined);
  const meta = parseObject(has(NODE_META_FILE));
  const address = meta ? str(meta.address) : null;
  const healthz = has(HEALTHZ_FILE);
  return {
    summary,
    via: scan?.via ?? viaOf(address),
    address,
    scanStatus: meta ? str(meta.status) : null,
    scanMessage: meta ? str(meta.message) : null,
    commands: meta ? commandsOf(meta.commands) : [],
    kubeProxy: {
      mode: firstLine(has(PROXY_MODE_FILE), 64),
      healthz: healthz === undefined || healthz.trim() === '' ? null : cut(healthz.trim(), MAX_TEXT),
    },
    ...(scan ? { rescannable: true, context: scan.context } : {}),
  };
}
