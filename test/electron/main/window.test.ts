import { beforeEach, describe, expect, it } from 'vitest';
import type { BrowserWindow, BrowserWindowConstructorOptions, Dialog, Session, Shell } from 'electron';
import {
  CSP_FILE,
  createMainWindow,
  hardenSession,
  isRendererUrl,
  rendererLocation,
} from '../../../electron/main/window';
import type { ElectronStub } from '../electronStub';
import { FakeBrowserWindow, FakeSession, asElectron, createElectronStub } from '../electronStub';

// The app window's security settings, navigation rules, new-window rule and session hardening.

const RENDERER = rendererLocation('/app/out/renderer/index.html');
let e: ElectronStub;

function openWindow(): FakeBrowserWindow {
  createMainWindow({
    BrowserWindow: asElectron<new (o: BrowserWindowConstructorOptions) => BrowserWindow>(FakeBrowserWindow),
    shell: asElectron<Shell>(e.shell),
    dialog: asElectron<Dialog>(e.dialog),
    preloadPath: '/app/out/preload/index.js',
    renderer: RENDERER,
    isDev: false,
  });
  return FakeBrowserWindow.instances[FakeBrowserWindow.instances.length - 1];
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('secure window', () => {
  beforeEach(() => {
    e = createElectronStub();
  });

  it.each([
    ['contextIsolation', true],
    ['sandbox', true],
    ['nodeIntegration', false],
    ['nodeIntegrationInWorker', false],
    ['nodeIntegrationInSubFrames', false],
    ['webSecurity', true],
    ['allowRunningInsecureContent', false],
    ['webviewTag', false],
    ['spellcheck', false],
    ['experimentalFeatures', false],
    ['navigateOnDragDrop', false],
    ['disableBlinkFeatures', 'Auxclick'],
  ])('creates the window with %s = %s', (key, value) => {
    const win = openWindow();
    const prefs = win.options.webPreferences as Record<string, unknown>;
    expect(prefs[key]).toBe(value);
  });

  it('uses the preload script and no Blink feature switches', () => {
    const prefs = openWindow().options.webPreferences as Record<string, unknown>;
    expect(prefs.preload).toBe('/app/out/preload/index.js');
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('loads the built renderer file and shows the window only when ready', () => {
    const win = openWindow();
    expect(win.loadedUrl).toBe('file:///app/out/renderer/index.html');
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it.each([
    ['a web page', 'https://evil.example/'],
    ['a local file', 'file:///etc/passwd'],
    ['the renderer itself (a reload by link)', 'file:///app/out/renderer/index.html'],
    ['javascript:', 'javascript:alert(1)'],
  ])('prevents navigation and redirects to %s', (_name, url) => {
    const win = openWindow();
    expect(win.webContents.tryEvent('will-navigate', url)).toBe(true);
    expect(win.webContents.tryEvent('will-redirect', url)).toBe(true);
  });

  it('refuses to attach <webview>', () => {
    const win = openWindow();
    expect(win.webContents.tryEvent('will-attach-webview', 'https://x')).toBe(true);
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x', 'smb://host/share', 'https://user:pw@evil.example/'])(
    'denies window.open(%s) without asking or opening anything',
    async (url) => {
      const win = openWindow();
      expect(win.webContents.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
      await flush();
      expect(e.dialog.showMessageBox).not.toHaveBeenCalled();
      expect(e.shell.openExternal).not.toHaveBeenCalled();
    },
  );

  it('denies window.open of an http(s) link but offers it to the browser after a confirmation', async () => {
    const win = openWindow();
    e.dialog.showMessageBox.mockResolvedValueOnce({ response: 0, checkboxChecked: false });
    expect(win.webContents.windowOpenHandler?.({ url: 'https://kubernetes.io/' })).toEqual({ action: 'deny' });
    await flush();
    expect(e.dialog.showMessageBox).toHaveBeenCalledTimes(1);
    expect(e.shell.openExternal).toHaveBeenCalledWith('https://kubernetes.io/', { activate: true });
  });

  it('does not open an http(s) link the person declined', async () => {
    const win = openWindow();
    e.dialog.showMessageBox.mockResolvedValueOnce({ response: 1, checkboxChecked: false });
    win.webContents.windowOpenHandler?.({ url: 'http://example.com/' });
    await flush();
    expect(e.shell.openExternal).not.toHaveBeenCalled();
  });
});

describe('hardenSession', () => {
  it('denies every permission request and check', () => {
    const s = new FakeSession();
    hardenSession(asElectron<Session>(s), RENDERER);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      let granted: boolean | null = null;
      s.permissionRequest?.({}, permission, (g) => (granted = g));
      expect(granted).toBe(false);
    }
    expect(s.permissionCheck?.()).toBe(false);
    expect(s.devicePermission?.()).toBe(false);
  });

  it('replaces the CSP header of renderer responses with the strict one', () => {
    const s = new FakeSession();
    hardenSession(asElectron<Session>(s), RENDERER);
    let result: Record<string, unknown> = {};
    s.headersReceived?.({ url: 'file:///app/out/renderer/index.html', responseHeaders: { 'content-security-policy': ["default-src *"] } }, (r) => (result = r));
    const headers = result.responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([CSP_FILE]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(CSP_FILE).toContain("script-src 'self'");
    expect(CSP_FILE).not.toContain('unsafe-eval');
    expect(CSP_FILE).toContain("object-src 'none'");
  });
});

describe('isRendererUrl', () => {
  const dev = rendererLocation('/unused', 'http://localhost:5173/');
  it.each([
    [RENDERER, 'file:///app/out/renderer/index.html', true],
    [RENDERER, 'file:///app/out/renderer/index.html#/services/default%2Fweb', true],
    [RENDERER, 'file:///app/out/renderer/other.html', false],
    [RENDERER, 'file:///app/out/renderer/index.html?x', false],
    [RENDERER, 'file://evilhost/app/out/renderer/index.html', false],
    [RENDERER, 'https://app/out/renderer/index.html', false],
    [RENDERER, 'not a url', false],
    [dev, 'http://localhost:5173/#/rules', true],
    [dev, 'http://localhost:5174/', false],
    [dev, 'http://127.0.0.1:5173/', false],
  ] as const)('%#: %s is ours: %s', (loc, url, expected) => {
    expect(isRendererUrl(loc, url)).toBe(expected);
  });

  it('accepts only a loopback http dev server URL', () => {
    expect(() => rendererLocation('/x', 'https://evil.example/')).toThrow();
    expect(() => rendererLocation('/x', 'http://10.0.0.1:5173/')).toThrow();
  });
});
