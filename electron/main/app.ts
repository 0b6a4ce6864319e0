import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, shell } from 'electron';
import { join } from 'node:path';
import { createWorkerBackend, findBackendWorker } from '../../core/node/app/workerBackend';
import { eventSender, registerApi } from './ipc';
import { menuTemplate } from './menu';
import { createMenuActions } from './menuActions';
import { createNativeApi } from './nativeApi';
import { withScanSecrets } from './scanSecrets';
import { createSecretStore } from './secrets';
import { createTerminalHub } from '../../core/node/terminal/terminalHub';
import { createPtyHost } from './pty/ptyHost';
import { createMainWindow, lockDownWebContents, rendererLocation } from './window';

// App lifecycle: one instance, the sandbox for every renderer, the backend and the pty host
// created once the app is ready, the IPC contract registered before the window loads, and
// everything torn down (terminals killed, temp files removed) before the app exits.

export interface StartOptions {
  /** Folder of the built main bundle (out/main); default __dirname of the bundle. */
  mainDir?: string;
}

export interface RunningApp {
  window(): BrowserWindow | null;
  /** Resolves when the app is ready and its window exists. */
  ready: Promise<void>;
}

/** The backend worker bundle next to the main bundle (out/main/backendWorker.js), if built. */
function workerFileIn(mainDir: string): { workerFile?: string } {
  const file = findBackendWorker(mainDir);
  return file !== null ? { workerFile: file } : {};
}

export function startApp(opts: StartOptions = {}): RunningApp | null {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  // Every renderer sandboxed, whatever its webPreferences say.
  app.enableSandbox();

  const mainDir = opts.mainDir ?? __dirname;
  const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
  const isDev = Boolean(devUrl);
  const renderer = rendererLocation(join(mainDir, '../renderer/index.html'), devUrl);
  const preloadPath = join(mainDir, '../preload/index.js');
  let win: BrowserWindow | null = null;
  const getWindow = (): BrowserWindow | null => (win && !win.isDestroyed() ? win : null);

  // Any webContents that ever exists (including ones a future change forgets about) gets the
  // navigation, new-window and <webview> rules.
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, renderer, { shell, dialog }, getWindow));
  app.on('second-instance', () => {
    const w = getWindow();
    if (!w) return;
    if (w.isMinimized()) w.restore();
    w.focus();
  });

  const ready = app.whenReady().then(() => {
    const demoDir = app.isPackaged ? join(process.resourcesPath, 'demo') : join(app.getAppPath(), 'assets', 'demo');
    const version = app.getVersion();
    // The engine runs in a worker thread (out/main/backendWorker.js): loading and analysing a
    // snapshot never blocks this thread, which serves every window's IPC.
    const initialSnapshot = snapshotFromArgv(process.argv, app.isPackaged);
    const engine = createWorkerBackend({
      version,
      demoDir,
      tmpDir: app.getPath('temp'),
      ...(initialSnapshot ? { initialSnapshot } : {}),
      ...workerFileIn(mainDir),
    });
    // Scans get remembered key passphrases from (and store new ones in) the OS keychain only.
    const secrets = createSecretStore(safeStorage, join(app.getPath('userData'), 'secrets'));
    const backend = withScanSecrets(engine, secrets);
    const send = eventSender(getWindow, renderer);
    const stopEvents = backend.onEvent(send);
    const pty = createPtyHost(send);
    // Debug-pod terminals (no SSH to the node): their pods are deleted when they close.
    const podTerminals = createTerminalHub(send);
    const native = createNativeApi({ version, backend, pty, podTerminals, window: getWindow, dialog, shell, BrowserWindow, tmpDir: app.getPath('temp'), secrets });

    const unregister = registerApi(ipcMain, { backend, extra: native, window: getWindow, renderer });

    // The menu tells the window which action was chosen (a `menu` event); the renderer runs it.
    const actions = createMenuActions({ appName: 'Proxyscope', version, dialog, window: getWindow, send });
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ appName: 'Proxyscope', isMac: process.platform === 'darwin', isDev, actions })));

    const open = (): void => {
      const w = createMainWindow({ BrowserWindow, shell, dialog, preloadPath, renderer, isDev });
      w.on('closed', () => {
        if (win === w) win = null;
        pty.closeAll();
        void podTerminals.closeAll();
      });
      win = w;
    };
    open();
    app.on('activate', () => {
      if (!getWindow()) open();
    });
    app.on('window-all-closed', () => {
      if (process.platform !== 'darwin') app.quit();
    });

    let disposed = false;
    app.on('before-quit', (event) => {
      if (disposed) return;
      // Hold the quit until terminals are killed and the backend removed its temp files.
      event.preventDefault();
      disposed = true;
      pty.closeAll();
      stopEvents();
      unregister();
      void podTerminals
        .closeAll()
        .catch(() => undefined)
        .then(() => backend.dispose())
        .catch(() => undefined)
        .finally(() => app.quit());
    });
  });
  return { window: getWindow, ready };
}

/**
 * The snapshot to open instead of the demo: the first plain argument after the app
 * (`electron . <snapshot>` in development, `proxyscope <snapshot>` packaged). Flags (Chromium's
 * and Electron's own) are skipped.
 */
export function snapshotFromArgv(argv: readonly string[], packaged: boolean): string | undefined {
  const rest = argv.slice(packaged ? 1 : 2);
  return rest.find((a) => a !== '' && !a.startsWith('-'));
}
