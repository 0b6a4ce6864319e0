import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { ApiEvent, ApiMethod, ApiResult, PreloadBridge } from '../../core/common/contract';
import { API_EVENT_CHANNEL, API_METHODS, apiChannel, fail } from '../../core/common/contract';

// window.proxyscope: exactly the PreloadBridge from the contract, nothing more. The renderer gets
// no ipcRenderer, no channel names of its choosing and no IPC event objects (their `sender` is
// ipcRenderer itself): only named Api methods and event payloads.

const METHODS: ReadonlySet<string> = new Set(API_METHODS);

export function createBridge(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): PreloadBridge {
  return Object.freeze({
    runtime: 'electron' as const,
    invoke(method: ApiMethod, arg?: unknown): Promise<ApiResult<unknown>> {
      if (typeof method !== 'string' || !METHODS.has(method)) return Promise.resolve(fail('bad-request', 'unknown method'));
      return (ipc.invoke(apiChannel(method), arg) as Promise<ApiResult<unknown>>).catch(() =>
        fail('failed', 'The main process did not answer this request.'),
      );
    },
    onEvent(listener: (event: ApiEvent) => void): () => void {
      if (typeof listener !== 'function') return () => undefined;
      const wrapped = (_event: IpcRendererEvent, payload: ApiEvent): void => listener(payload);
      ipc.on(API_EVENT_CHANNEL, wrapped);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(API_EVENT_CHANNEL, wrapped);
      };
    },
  });
}
