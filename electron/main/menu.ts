import type { MenuItemConstructorOptions } from 'electron';

// The application menu. Open and the exports are handed to the renderer as `menu` events by
// menuActions.ts (its session store knows which session is open); nothing here executes code
// in the renderer.

export type MenuExport = 'html' | 'markdown' | 'json' | 'pdf';

export interface MenuActions {
  openSnapshot(): void;
  exportReport(format: MenuExport): void;
  exportSnapshot(): void;
  about(): void;
}

export interface MenuOptions {
  appName: string;
  isMac: boolean;
  /** Reload and developer tools only in development. */
  isDev: boolean;
  actions: MenuActions;
}

export function menuTemplate(o: MenuOptions): MenuItemConstructorOptions[] {
  const a = o.actions;
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { id: 'open-snapshot', label: 'Open Snapshot…', accelerator: 'CmdOrCtrl+O', click: () => a.openSnapshot() },
      { type: 'separator' },
      {
        id: 'export-report',
        label: 'Export Report',
        submenu: [
          { id: 'export-html', label: 'HTML…', click: () => a.exportReport('html') },
          { id: 'export-markdown', label: 'Markdown…', click: () => a.exportReport('markdown') },
          { id: 'export-json', label: 'JSON…', click: () => a.exportReport('json') },
          { id: 'export-pdf', label: 'PDF…', click: () => a.exportReport('pdf') },
        ],
      },
      { id: 'export-snapshot', label: 'Export Snapshot…', click: () => a.exportSnapshot() },
      ...(o.isMac ? [] : ([{ type: 'separator' }, { role: 'quit' }] as MenuItemConstructorOptions[])),
    ],
  };
  const edit: MenuItemConstructorOptions = {
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...(o.isDev ? ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[]) : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [{ id: 'about', label: `About ${o.appName}`, click: () => a.about() }],
  };
  const appMenu: MenuItemConstructorOptions[] = o.isMac
    ? [
        {
          label: o.appName,
          submenu: [
            { label: `About ${o.appName}`, click: () => a.about() },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  return [...appMenu, file, edit, view, help];
}
