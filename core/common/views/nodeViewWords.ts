import type { NodeCommandView, NodeScanState } from '../contract';
import { parseObject } from './nodeView';

// The Nodes view's words for what a scan recorded: node scan states (NodeScanState, the issue 4
// list), failed commands and kube-proxy's /healthz answer. Pure: the renderer imports it.

export const SCAN_STATE_WORDS: Record<NodeScanState, string> = {
  queued: 'waiting',
  connecting: 'connecting',
  collecting: 'collecting the dumps',
  ok: 'collected',
  partial: 'collected, but some commands failed',
  'auth-failed': 'SSH authentication failed (user, key or agent)',
  'host-key-unknown': 'host key not known: add it to known_hosts, or allow accepting new host keys',
  'host-key-mismatch': 'HOST KEY CHANGED: not connected (possible man-in-the-middle, or a rebuilt node)',
  unreachable: 'could not connect (address, port or firewall)',
  timeout: 'timed out',
  'sudo-denied': 'sudo refused: reading the rules needs passwordless sudo (or root)',
  'command-missing': 'a dump command is not installed on the node',
  truncated: 'output too large: cut at the size limit',
  incomplete: 'incomplete',
  cancelled: 'cancelled',
};

/** A recorded or live state in words (a state this build does not know is shown as is). */
export function scanStateWords(state: string): string {
  return Object.prototype.hasOwnProperty.call(SCAN_STATE_WORDS, state) ? SCAN_STATE_WORDS[state as NodeScanState] : state;
}

export type ScanTone = 'ok' | 'warn' | 'bad' | 'busy' | 'none';

/** How a state is coloured: finished fine, finished with gaps, failed, in progress. */
export function scanTone(state: string | null): ScanTone {
  if (state === null || state === '') return 'none';
  if (state === 'ok') return 'ok';
  if (state === 'queued' || state === 'connecting' || state === 'collecting') return 'busy';
  if (state === 'partial' || state === 'truncated' || state === 'incomplete') return 'warn';
  return 'bad';
}

/** `iptables-save: sudo: a password is required` for every command that did not succeed. */
export function commandProblems(commands: readonly NodeCommandView[]): string[] {
  return commands.filter((c) => c.status !== 'ok').map((c) => `${c.id}: ${c.message || c.status}`);
}

/**
 * kube-proxy's /healthz answer in words. It answers
 * `{"lastUpdated": "...", "currentTime": "...", "nodeEligible": true}` (proxy_health.go), with
 * HTTP 503 when the last sync is too old; curl prints the body either way, so the age of the
 * last update is what tells a stuck kube-proxy.
 */
export function healthzWords(text: string | null): string {
  if (text === null) return 'not collected';
  const o = parseObject(text);
  if (!o) return `answered: ${firstLine(text)}`;
  const last = typeof o.lastUpdated === 'string' ? Date.parse(o.lastUpdated) : NaN;
  const now = typeof o.currentTime === 'string' ? Date.parse(o.currentTime) : NaN;
  const parts: string[] = [];
  // A kube-proxy that never synced reports Go's zero time (0001-01-01).
  if (Number.isFinite(last) && last < Date.UTC(1971, 0, 1)) {
    parts.push('kube-proxy has not synced its rules yet');
  } else if (Number.isFinite(last) && Number.isFinite(now)) {
    const age = Math.max(0, Math.round((now - last) / 1000));
    parts.push(`last rules sync ${age} s before the check`);
  } else if (o.lastUpdated !== undefined) {
    parts.push('last rules sync time unreadable');
  }
  if (o.nodeEligible === false) parts.push('node not eligible for traffic (being deleted or excluded)');
  return parts.length > 0 ? parts.join('; ') : 'answered';
}

function firstLine(text: string): string {
  const line = text
    .slice(0, 4096)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  return line === undefined ? '' : line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
