import { API_METHODS, fail } from '../core/common/contract';
import type { Api, ApiEvent, ApiMethod, ApiResult, PreloadBridge } from '../core/common/contract';

// The renderer's only way to the engine (decision 5 of the Issue 5 brief). In Electron the preload
// script exposes `window.proxyscope` (PreloadBridge over IPC); in a browser (`proxyscope serve`)
// the same calls go over HTTP and events over one WebSocket. Transport only: no state, no UI.
// Errors cross as values: nothing here throws, a network or HTTP failure becomes an ApiResult.

const TOKEN_META = 'proxyscope-token';

function bridge(): PreloadBridge | undefined {
  // Looked up per call: the preload bridge exists from the start in Electron, and tests install a
  // fake one after this module loaded.
  const b = (globalThis as { proxyscope?: PreloadBridge }).proxyscope;
  return b && typeof b.invoke === 'function' ? b : undefined;
}

/** The per-run token `proxyscope serve` injects into index.html. */
export function apiToken(): string {
  if (typeof document === 'undefined') return '';
  const meta = document.querySelector(`meta[name="${TOKEN_META}"]`);
  return meta?.getAttribute('content') ?? '';
}

function isApiResult(v: unknown): v is ApiResult<unknown> {
  if (typeof v !== 'object' || v === null || !('ok' in v)) return false;
  const r = v as { ok: unknown; error?: { message?: unknown } };
  if (r.ok === true) return 'value' in r;
  return r.ok === false && typeof r.error === 'object' && r.error !== null && typeof r.error.message === 'string';
}

async function httpCall(method: ApiMethod, arg: unknown): Promise<ApiResult<unknown>> {
  let res: Response;
  try {
    res = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-proxyscope-token': apiToken() },
      // No argument -> empty body: the server then passes `undefined`, which the schema expects.
      body: arg === undefined ? '' : JSON.stringify(arg),
      credentials: 'same-origin',
    });
  } catch (e) {
    return fail('failed', `Proxyscope could not be reached (${e instanceof Error ? e.message : String(e)}). Is \`proxyscope serve\` still running?`);
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (isApiResult(body)) return body;
  if (res.status === 401) return fail('forbidden', 'The session token was rejected. Open the URL `proxyscope serve` printed again.');
  if (res.status === 403) return fail('forbidden', 'The request was refused (host or origin not allowed).');
  if (res.status === 413) return fail('bad-request', 'The request is too large for the server.');
  return fail('failed', `The server answered ${res.status} ${res.statusText || ''}`.trim() + ' without a result.');
}

/** One call to the engine, over whichever transport this runtime has. Never throws. */
export async function call(method: ApiMethod, arg?: unknown): Promise<ApiResult<unknown>> {
  const b = bridge();
  if (!b) return httpCall(method, arg);
  try {
    const r = await (arg === undefined ? b.invoke(method) : b.invoke(method, arg));
    return isApiResult(r) ? r : fail('failed', `Malformed answer to ${method}.`);
  } catch (e) {
    return fail('failed', e instanceof Error ? e.message : String(e));
  }
}

function buildApi(): Api {
  const out: Record<string, (arg?: unknown) => Promise<ApiResult<unknown>>> = {};
  for (const m of API_METHODS) out[m] = (arg?: unknown) => call(m, arg);
  return out as unknown as Api;
}

export const api: Api = buildApi();

// ---- events --------------------------------------------------------------------------------

type Listener = (e: ApiEvent) => void;
const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let backoffMs = 500;

function dispatchEvent(e: ApiEvent): void {
  for (const l of [...listeners]) {
    try {
      l(e);
    } catch {
      // One broken listener must not starve the others.
    }
  }
}

function isApiEvent(v: unknown): v is ApiEvent {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function openSocket(): void {
  if (socket || typeof WebSocket === 'undefined' || typeof location === 'undefined') return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let ws: WebSocket;
  try {
    ws = new WebSocket(`${proto}//${location.host}/api/events?token=${encodeURIComponent(apiToken())}`);
  } catch {
    scheduleReconnect();
    return;
  }
  socket = ws;
  ws.onopen = () => {
    backoffMs = 500;
  };
  ws.onmessage = (m: MessageEvent) => {
    if (typeof m.data !== 'string') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(m.data);
    } catch {
      return;
    }
    if (isApiEvent(parsed)) dispatchEvent(parsed);
  };
  ws.onclose = () => {
    if (socket === ws) socket = null;
    scheduleReconnect();
  };
  ws.onerror = () => {
    // onclose follows and reconnects.
  };
}

function scheduleReconnect(): void {
  if (listeners.size === 0 || retryTimer) return;
  const delay = backoffMs;
  backoffMs = Math.min(backoffMs * 2, 15_000);
  retryTimer = setTimeout(() => {
    retryTimer = null;
    if (listeners.size > 0) openSocket();
  }, delay);
}

function closeSocket(): void {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  const ws = socket;
  socket = null;
  if (ws) {
    ws.onclose = null;
    ws.close();
  }
  backoffMs = 500;
}

/** Subscribes to backend events (progress, scans, terminals). Returns the unsubscribe function. */
export function onApiEvent(fn: Listener): () => void {
  const b = bridge();
  if (b) return b.onEvent(fn);
  listeners.add(fn);
  openSocket();
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0) closeSocket();
  };
}

// ---- external links ----------------------------------------------------------------------------

export function isHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * Opens an http(s) link outside the app after the user confirmed. Anything else (javascript:,
 * file:, data:) is refused. Electron confirms natively in the main process.
 */
export async function openExternalLink(url: string): Promise<boolean> {
  if (!isHttpUrl(url)) return false;
  if (bridge()) {
    const r = await api.openExternal({ url });
    return r.ok && r.value;
  }
  if (!window.confirm(`Open this link in a new tab?\n\n${url}`)) return false;
  window.open(url, '_blank', 'noopener,noreferrer');
  return true;
}
