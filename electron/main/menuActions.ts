import type { BrowserWindow, Dialog } from 'electron';
import type { ApiResult, SessionInfo } from '../../core/common/contract';
import type { Backend } from '../../core/node/app/backendTypes';
import type { MenuActions, MenuExport } from './menu';
import type { NativeApi } from './nativeApi';

// What the File and Help menus do. They run in the main process against the session the window
// last opened (ipc.ts reports it); a snapshot opened from the menu is handed to the renderer by
// reloading the window, whose start-up `initialSession` call then returns it.

export interface MenuActionDeps {
  appName: string;
  version: string;
  backend: Backend;
  native: NativeApi;
  dialog: Pick<Dialog, 'showMessageBox'>;
  window: () => BrowserWindow | null;
  currentSession: () => string | null;
  setPendingSession: (s: SessionInfo) => void;
}

export function createMenuActions(d: MenuActionDeps): MenuActions & { settled(): Promise<void> } {
  let last: Promise<void> = Promise.resolve();

  const tell = async (type: 'info' | 'error', message: string, detail?: string): Promise<void> => {
    const win = d.window();
    const options = { type, message, detail, buttons: ['OK'] };
    if (win) await d.dialog.showMessageBox(win, options);
    else await d.dialog.showMessageBox(options);
  };
  const report = async (r: ApiResult<unknown>): Promise<void> => {
    if (!r.ok && r.error.code !== 'cancelled') await tell('error', 'Proxyscope could not do that.', r.error.message);
  };
  const run = (fn: () => Promise<void>): void => {
    last = last.then(fn).catch((err) => tell('error', 'Proxyscope could not do that.', err instanceof Error ? err.message : String(err)));
  };
  const needSession = async (): Promise<string | null> => {
    const id = d.currentSession();
    if (!id) await tell('info', 'Open a snapshot first.');
    return id;
  };

  return {
    openSnapshot: () =>
      run(async () => {
        const r = await d.native.openSnapshotDialog();
        if (!r.ok) return report(r);
        if (!r.value) return;
        d.setPendingSession(r.value);
        d.window()?.webContents.reload();
      }),
    exportReport: (format: MenuExport) =>
      run(async () => {
        const sessionId = await needSession();
        if (!sessionId) return;
        if (format === 'pdf') return report(await d.native.exportPdf({ sessionId }));
        const file = await d.backend.exportReport({ sessionId, format });
        if (!file.ok) return report(file);
        return report(await d.native.saveFileDialog({ file: file.value }));
      }),
    exportSnapshot: () =>
      run(async () => {
        const sessionId = await needSession();
        if (!sessionId) return;
        const file = await d.backend.exportSnapshot({ sessionId });
        if (!file.ok) return report(file);
        return report(await d.native.saveFileDialog({ file: file.value }));
      }),
    about: () => run(() => tell('info', `${d.appName} ${d.version}`, 'Diagnose Kubernetes Service networking from kube-proxy data plane dumps.')),
    settled: () => last,
  };
}
