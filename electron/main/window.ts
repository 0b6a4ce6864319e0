import type { BrowserWindow, BrowserWindowConstructorOptions, Dialog, Session, Shell, WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { checkExternalUrl } from './externalUrl';

// The one app window and the rules every webContents lives by: isolated, sandboxed, no Node, no
// navigation away from the renderer, no new windows, no permissions, a strict CSP. The renderer
// shows strings from the cluster (names, annotations, rule comments); if one ever slipped into
// markup, these settings keep it from reaching Node, IPC beyond the contract, or the network.

/** Where the renderer is loaded from: the built file, or the electron-vite dev server. */
export type RendererLocation = { kind: 'file'; url: string } | { kind: 'dev'; url: string; origin: string };

export function rendererLocation(indexHtmlPath: string, devUrl?: string): RendererLocation {
  if (devUrl) {
    const u = new URL(devUrl);
    if ((u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1')) === false) {
      throw new Error(`ELECTRON_RENDERER_URL must be an http://localhost URL, got ${u.origin}`);
    }
    return { kind: 'dev', url: u.href, origin: u.origin };
  }
  return { kind: 'file', url: pathToFileURL(indexHtmlPath).href };
}

/** True when `url` is our renderer page (any hash route; nothing else on disk or the web). */
export function isRendererUrl(loc: RendererLocation, url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (loc.kind === 'dev') return u.origin === loc.origin;
  const want = new URL(loc.url);
  return u.protocol === 'file:' && u.host === want.host && samePath(u.pathname, want.pathname) && u.search === '';
}

/** Chromium and pathToFileURL may escape differently; Windows paths ignore case. */
function samePath(a: string, b: string): boolean {
  const norm = (p: string): string => {
    let d: string;
    try {
      d = decodeURIComponent(p);
    } catch {
      d = p;
    }
    return process.platform === 'win32' ? d.toLowerCase() : d;
  };
  return norm(a) === norm(b);
}

export const CSP_FILE =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; frame-src 'none'; worker-src 'self'";

/** The dev server needs its HMR WebSocket. */
export const cspFor = (loc: RendererLocation): string =>
  loc.kind === 'dev' ? CSP_FILE.replace("connect-src 'self'", `connect-src 'self' ${loc.origin.replace(/^http/, 'ws')}`) : CSP_FILE;

export interface WindowDeps {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  shell: Pick<Shell, 'openExternal'>;
  dialog: Pick<Dialog, 'showMessageBox'>;
  preloadPath: string;
  renderer: RendererLocation;
  isDev: boolean;
  iconPath?: string;
}

/** Asks before handing an http(s) link to the system browser; anything else is dropped. */
export async function confirmAndOpenExternal(
  deps: { shell: Pick<Shell, 'openExternal'>; dialog: Pick<Dialog, 'showMessageBox'> },
  parent: BrowserWindow | null,
  url: string,
): Promise<{ opened: boolean; refused?: string }> {
  const checked = checkExternalUrl(url);
  if (!checked.ok) return { opened: false, refused: checked.reason };
  const options = {
    type: 'question' as const,
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
    title: 'Open link',
    message: 'Open this link in your web browser?',
    detail: checked.href,
  };
  const answer = parent ? await deps.dialog.showMessageBox(parent, options) : await deps.dialog.showMessageBox(options);
  if (answer.response !== 0) return { opened: false };
  await deps.shell.openExternal(checked.href, { activate: true });
  return { opened: true };
}

/**
 * Navigation and window rules for any webContents (the app window, PDF windows, anything a
 * future change creates): no navigation off the renderer, no redirects, no new windows, no
 * <webview>. http(s) links a person clicks go to the browser after a confirmation.
 */
export function lockDownWebContents(
  contents: WebContents,
  renderer: RendererLocation | null,
  deps: { shell: Pick<Shell, 'openExternal'>; dialog: Pick<Dialog, 'showMessageBox'> },
  parent: () => BrowserWindow | null,
): void {
  const blockNavigation = (event: { preventDefault(): void }, url: string): void => {
    if (renderer && isRendererUrl(renderer, url) && renderer.kind === 'dev') return; // HMR full reloads
    event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => blockNavigation(event, url ?? ''));
  contents.on('will-redirect', (event, url) => blockNavigation(event, url ?? ''));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (checkExternalUrl(url).ok) void confirmAndOpenExternal(deps, parent(), url).catch(() => undefined);
    return { action: 'deny' };
  });
}

/** Session-wide: deny every permission, and send our CSP with every renderer response. */
export function hardenSession(session: Session, renderer: RendererLocation): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler?.(() => false);
  const csp = cspFor(renderer);
  session.webRequest.onHeadersReceived((details, callback) => {
    const ours = details.url.startsWith('file:') || (renderer.kind === 'dev' && isRendererUrl(renderer, details.url));
    if (!ours) {
      callback({});
      return;
    }
    const headers: Record<string, string[]> = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [csp];
    headers['X-Content-Type-Options'] = ['nosniff'];
    callback({ responseHeaders: headers });
  });
}

/** Creates and loads the main window. */
export function createMainWindow(deps: WindowDeps): BrowserWindow {
  // A local named BrowserWindow and an inline literal, so Electronegativity's checks (which match
  // `new BrowserWindow({ webPreferences: { ... } })`) can see every flag. Every flag is spelled
  // out, even where it is Electron's default, so a default change cannot loosen it.
  const BrowserWindow = deps.BrowserWindow;
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Proxyscope',
    backgroundColor: '#ffffff',
    ...(deps.iconPath ? { icon: deps.iconPath } : {}),
    webPreferences: {
      preload: deps.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Middle-click (auxclick) opens links in new windows; denied anyway, but not even attempted.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  hardenSession(win.webContents.session, deps.renderer);
  lockDownWebContents(win.webContents, deps.renderer, deps, () => win);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(deps.renderer.url);
  return win;
}
