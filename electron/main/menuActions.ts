import type { BrowserWindow, Dialog } from 'electron';
import type { ApiEvent, MenuAction } from '../../core/common/contract';
import { API_EVENT_CHANNEL } from '../../core/common/contract';
import type { MenuActions, MenuExport } from './menu';

// What the File and Help menus do. Open and the exports are the renderer's own actions (its
// session store knows the current session, shows progress and errors, and saves through the
// same native dialogs), so the menu only tells the window which one was chosen: a `menu` event
// on the API event channel, which renderer/src/App.vue handles. Nothing is executed in the
// renderer and no data travels with the event. About stays a main-process dialog.

export interface MenuActionDeps {
  appName: string;
  version: string;
  dialog: Pick<Dialog, 'showMessageBox'>;
  window: () => BrowserWindow | null;
  /** How an event reaches the window (app.ts may pass ipc.ts's eventSender); default webContents.send. */
  send?: (e: ApiEvent) => void;
}

const EXPORT_ACTION: Record<MenuExport, MenuAction> = {
  html: 'export-html',
  markdown: 'export-markdown',
  json: 'export-json',
  pdf: 'export-pdf',
};

export function createMenuActions(d: MenuActionDeps): MenuActions & { settled(): Promise<void> } {
  let last: Promise<void> = Promise.resolve();

  const tell = async (type: 'info' | 'error', message: string, detail?: string): Promise<void> => {
    const win = d.window();
    const options = { type, message, detail, buttons: ['OK'] };
    if (win) await d.dialog.showMessageBox(win, options);
    else await d.dialog.showMessageBox(options);
  };
  const run = (fn: () => Promise<void>): void => {
    last = last.then(fn).catch((err) => tell('error', 'Proxyscope could not do that.', err instanceof Error ? err.message : String(err)));
  };
  const defaultSend = (e: ApiEvent): boolean => {
    const win = d.window();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return false;
    win.webContents.send(API_EVENT_CHANNEL, e);
    return true;
  };
  const toWindow = (action: MenuAction): void =>
    run(async () => {
      const event: ApiEvent = { type: 'menu', action };
      if (d.send) {
        if (d.window()) return d.send(event);
      } else if (defaultSend(event)) {
        return;
      }
      await tell('info', 'Open a Proxyscope window first.');
    });

  return {
    openSnapshot: () => toWindow('open-snapshot'),
    exportReport: (format: MenuExport) => toWindow(EXPORT_ACTION[format]),
    exportSnapshot: () => toWindow('export-snapshot'),
    about: () => run(() => tell('info', `${d.appName} ${d.version}`, 'Diagnose Kubernetes Service networking from kube-proxy data plane dumps.')),
    settled: () => last,
  };
}
