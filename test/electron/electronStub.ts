import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

// A stand-in for the `electron` module: there is no Electron binary on CI machines, so the main
// process and the preload run under plain Node against these fakes (vi.mock('electron', ...)).
// They model only what Proxyscope touches: ipcMain.handle, BrowserWindow + webContents +
// WebFrameMain (processId/routingId/url/parent, which the sender check reads), sessions,
// dialogs, shell, safeStorage, app lifecycle, Menu, contextBridge and ipcRenderer.

type Listener = (...args: never[]) => unknown;

export class FakeFrame {
  constructor(
    public processId: number,
    public routingId: number,
    public url: string,
    public parent: FakeFrame | null = null,
  ) {}
}

export class FakeSession {
  permissionRequest: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
  permissionCheck: ((...args: unknown[]) => boolean) | null = null;
  devicePermission: ((...args: unknown[]) => boolean) | null = null;
  headersReceived: ((details: Record<string, unknown>, cb: (r: Record<string, unknown>) => void) => void) | null = null;
  beforeRequest: ((details: Record<string, unknown>, cb: (r: Record<string, unknown>) => void) => void) | null = null;
  setPermissionRequestHandler(fn: FakeSession['permissionRequest']): void {
    this.permissionRequest = fn;
  }
  setPermissionCheckHandler(fn: FakeSession['permissionCheck']): void {
    this.permissionCheck = fn;
  }
  setDevicePermissionHandler(fn: FakeSession['devicePermission']): void {
    this.devicePermission = fn;
  }
  webRequest = {
    onHeadersReceived: (fn: FakeSession['headersReceived']) => {
      this.headersReceived = fn;
    },
    onBeforeRequest: (fn: FakeSession['beforeRequest']) => {
      this.beforeRequest = fn;
    },
  };
}

let nextProcess = 100;

export class FakeWebContents extends EventEmitter {
  static all: FakeWebContents[] = [];
  readonly id: number;
  readonly mainFrame: FakeFrame;
  session: FakeSession;
  sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((d: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  destroyed = false;
  reloads = 0;
  pdfOptions: unknown = null;
  pdfBytes = Buffer.from('%PDF-1.7 fake');

  constructor(session = new FakeSession()) {
    super();
    this.id = nextProcess++;
    this.mainFrame = new FakeFrame(this.id, 1, 'about:blank');
    this.session = session;
    FakeWebContents.all.push(this);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(fn: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = fn;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
  reload(): void {
    this.reloads++;
  }
  async printToPDF(options: unknown): Promise<Buffer> {
    this.pdfOptions = options;
    return this.pdfBytes;
  }
  /** Emits a navigation-style event and says whether a handler prevented it. */
  tryEvent(name: 'will-navigate' | 'will-redirect' | 'will-attach-webview', url: string): boolean {
    let prevented = false;
    const event = { preventDefault: () => (prevented = true), url };
    this.emit(name, event, url);
    return prevented;
  }
  /** A frame inside this page (an iframe). */
  subframe(url: string): FakeFrame {
    return new FakeFrame(this.id, 2 + Math.floor(Math.random() * 1000), url, this.mainFrame);
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly options: Record<string, unknown>;
  readonly webContents: FakeWebContents;
  destroyed = false;
  shown = false;
  loadedUrl: string | null = null;

  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = options;
    const partition = (options.webPreferences as { partition?: string } | undefined)?.partition;
    this.webContents = new FakeWebContents(partition ? new FakeSession() : sharedDefaultSession());
    FakeBrowserWindow.instances.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.webContents.mainFrame.url = url;
  }
  async loadFile(path: string): Promise<void> {
    await this.loadURL(`file://${path}`);
  }
  show(): void {
    this.shown = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
  close(): void {
    this.destroy();
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  focus(): void {}
}

let defaultSession = new FakeSession();
const sharedDefaultSession = (): FakeSession => defaultSession;

/** What a handler registered with ipcMain.handle receives as its event. */
export function invokeEvent(sender: FakeWebContents, frame: FakeFrame | null): { sender: FakeWebContents; senderFrame: FakeFrame | null; processId: number; frameId: number } {
  return { sender, senderFrame: frame, processId: frame?.processId ?? 0, frameId: frame?.routingId ?? 0 };
}

export class FakeIpcMain {
  handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`No handler registered for '${channel}'`);
    return fn(event, ...args);
  }
}

export class FakeIpcRenderer extends EventEmitter {
  invocations: { channel: string; args: unknown[] }[] = [];
  reply: (channel: string, ...args: unknown[]) => Promise<unknown> = async () => ({ ok: true, value: null });
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invocations.push({ channel, args });
    return this.reply(channel, ...args);
  }
  /** What the main process pushes with webContents.send. */
  deliver(channel: string, payload: unknown): void {
    this.emit(channel, { sender: this, ports: [] }, payload);
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  singleInstance = true;
  sandboxEnabled = false;
  quitCalls = 0;
  appPath = process.cwd();
  private readyResolve!: () => void;
  private readyPromise = new Promise<void>((r) => (this.readyResolve = r));
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  enableSandbox(): void {
    this.sandboxEnabled = true;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  /** Test control: fire `ready`. */
  makeReady(): void {
    this.readyResolve();
  }
  quit(): void {
    this.quitCalls++;
    const event = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.emit('will-quit', event);
  }
  getVersion(): string {
    return '0.1.0-test';
  }
  getAppPath(): string {
    return this.appPath;
  }
  getPath(_name: string): string {
    return process.env.TMPDIR ?? '/tmp';
  }
  override on(event: string | symbol, listener: Listener): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}

export let app = new FakeApp();

export interface ElectronStub {
  app: FakeApp;
  BrowserWindow: typeof FakeBrowserWindow;
  ipcMain: FakeIpcMain;
  ipcRenderer: FakeIpcRenderer;
  contextBridge: { exposed: Map<string, unknown>; exposeInMainWorld(key: string, api: unknown): void };
  dialog: {
    showOpenDialog: ReturnType<typeof vi.fn>;
    showSaveDialog: ReturnType<typeof vi.fn>;
    showMessageBox: ReturnType<typeof vi.fn>;
    showErrorBox: ReturnType<typeof vi.fn>;
  };
  shell: { openExternal: ReturnType<typeof vi.fn> };
  safeStorage: {
    backend: string;
    available: boolean;
    isEncryptionAvailable(): boolean;
    getSelectedStorageBackend(): string;
    encryptString: ReturnType<typeof vi.fn>;
    decryptString: ReturnType<typeof vi.fn>;
  };
  Menu: { template: unknown[] | null; buildFromTemplate(t: unknown[]): { template: unknown[] }; setApplicationMenu(m: unknown): void };
  session: { defaultSession: FakeSession };
}

/** The default (last created) stub; reset between tests with resetElectronStub(). */
export function createElectronStub(): ElectronStub {
  app = new FakeApp();
  defaultSession = new FakeSession();
  FakeBrowserWindow.instances = [];
  FakeWebContents.all = [];
  const exposed = new Map<string, unknown>();
  const menu: ElectronStub['Menu'] = {
    template: null,
    buildFromTemplate: (t) => ({ template: t }),
    setApplicationMenu(m) {
      menu.template = (m as { template: unknown[] }).template;
    },
  };
  const safeStorage: ElectronStub['safeStorage'] = {
    backend: 'gnome_libsecret',
    available: true,
    isEncryptionAvailable: () => safeStorage.available,
    getSelectedStorageBackend: () => safeStorage.backend,
    // "Encryption": reversible but visibly not the plaintext.
    encryptString: vi.fn((s: string) => Buffer.concat([Buffer.from('ENC1'), Buffer.from(s, 'utf8').map((b) => b ^ 0x5a)])),
    decryptString: vi.fn((b: Buffer) => {
      if (b.subarray(0, 4).toString() !== 'ENC1') throw new Error('bad ciphertext');
      return Buffer.from(b.subarray(4).map((x) => x ^ 0x5a)).toString('utf8');
    }),
  };
  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain: new FakeIpcMain(),
    ipcRenderer: new FakeIpcRenderer(),
    contextBridge: {
      exposed,
      exposeInMainWorld(key, api) {
        if (exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
        exposed.set(key, api);
      },
    },
    dialog: {
      showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })),
      showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: '' })),
      showMessageBox: vi.fn(async () => ({ response: 1, checkboxChecked: false })),
      showErrorBox: vi.fn(),
    },
    shell: { openExternal: vi.fn(async () => undefined) },
    safeStorage,
    Menu: menu,
    session: { defaultSession },
  };
}

/** Cast a fake to the electron type a function under test expects. */
export const asElectron = <T>(fake: unknown): T => fake as T;
