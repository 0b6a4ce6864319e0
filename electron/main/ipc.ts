import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Api, ApiEvent, ApiResult, SessionInfo } from '../../core/common/contract';
import { API_EVENT_CHANNEL, API_METHODS, apiChannel, fail, ok } from '../../core/common/contract';
import { validateApiArg } from '../../core/common/contractSchemas';
import type { Backend } from '../../core/node/app/backendTypes';
import { dispatchApi } from '../../core/node/app/dispatch';
import type { RendererLocation } from './window';
import { isRendererUrl } from './window';

// One ipcMain.handle per Api method (channel `api:<method>`), nothing else. Each call is checked
// in this order: the sender is the main frame of our window showing our renderer page (not a
// subframe, not another window, not a page it was tricked into loading); the argument passes its
// schema; then dispatchApi routes it. Errors come back as ApiResult values, never as exceptions,
// so the renderer never sees a main-process stack trace.

export type Dispatch = (backend: Backend, method: string, arg: unknown, extra: Partial<Api>) => Promise<ApiResult<unknown>>;

export interface ApiDeps {
  backend: Backend;
  /** Runtime-specific methods (nativeApi.ts). */
  extra: Partial<Api>;
  window: () => BrowserWindow | null;
  renderer: RendererLocation;
  /** Default: core/node/app/dispatch.ts. */
  dispatch?: Dispatch;
  /** Sees every SessionInfo handed to the renderer (the menu exports the current one). */
  onSession?: (s: SessionInfo) => void;
  /** A session opened from the menu, handed out by the next initialSession call. */
  takePendingSession?: () => SessionInfo | null;
}

/** True only for IPC from the main frame of `win`'s webContents while it shows our renderer. */
export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow | null, renderer: RendererLocation): boolean {
  const frame = event.senderFrame;
  if (!frame || !win || win.isDestroyed()) return false;
  const contents = win.webContents;
  if (event.sender !== contents) return false;
  if (frame.parent !== null) return false;
  const main = contents.mainFrame;
  if (frame.processId !== main.processId || frame.routingId !== main.routingId) return false;
  return isRendererUrl(renderer, frame.url);
}

const SESSION_METHODS = new Set(['openDemo', 'importSnapshot', 'openSnapshotDialog', 'initialSession']);

const isSessionInfo = (v: unknown): v is SessionInfo => typeof v === 'object' && v !== null && typeof (v as SessionInfo).id === 'string';

/** Registers every channel; returns a function that removes them again. */
export function registerApi(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, deps: ApiDeps): () => void {
  const dispatch = deps.dispatch ?? dispatchApi;
  for (const method of API_METHODS) {
    ipcMain.handle(apiChannel(method), async (event: IpcMainInvokeEvent, arg: unknown): Promise<ApiResult<unknown>> => {
      if (!isTrustedSender(event, deps.window(), deps.renderer)) {
        return fail('forbidden', 'This request did not come from the Proxyscope window.');
      }
      const valid = validateApiArg(method, arg);
      if (!valid.ok) return fail('bad-request', valid.message);
      try {
        if (method === 'initialSession') {
          const pending = deps.takePendingSession?.() ?? null;
          if (pending) return ok(pending);
        }
        const result = await dispatch(deps.backend, method, valid.value, deps.extra);
        if (SESSION_METHODS.has(method) && result.ok && isSessionInfo(result.value)) deps.onSession?.(result.value);
        return result;
      } catch (err) {
        return fail('failed', err instanceof Error ? err.message.slice(0, 500) : 'unexpected error');
      }
    });
  }
  return () => {
    for (const method of API_METHODS) ipcMain.removeHandler(apiChannel(method));
  };
}

/** Pushes events to the window's renderer (dropped while there is no window or it shows anything else). */
export function eventSender(window: () => BrowserWindow | null, renderer: RendererLocation): (e: ApiEvent) => void {
  return (e) => {
    const win = window();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    if (!isRendererUrl(renderer, win.webContents.getURL())) return;
    win.webContents.send(API_EVENT_CHANNEL, e);
  };
}
