import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindow, Dialog, MenuItemConstructorOptions } from 'electron';
import { fail, ok } from '../../../core/common/contract';
import { menuTemplate } from '../../../electron/main/menu';
import type { MenuActions } from '../../../electron/main/menu';
import { createMenuActions } from '../../../electron/main/menuActions';
import type { NativeApi } from '../../../electron/main/nativeApi';
import { FakeBrowserWindow, asElectron, createElectronStub } from '../electronStub';
import { SESSION, fakeBackend } from '../fakeBackend';

// The application menu and what its items do.

const actions = () => ({
  openSnapshot: vi.fn<MenuActions['openSnapshot']>(),
  exportReport: vi.fn<MenuActions['exportReport']>(),
  exportSnapshot: vi.fn<MenuActions['exportSnapshot']>(),
  about: vi.fn<MenuActions['about']>(),
});

function flat(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);
}

describe('menuTemplate', () => {
  it('has File, Edit, View and Help menus, with Quit in File off macOS', () => {
    const t = menuTemplate({ appName: 'Proxyscope', isMac: false, isDev: false, actions: actions() });
    expect(t.map((m) => m.label ?? m.role)).toEqual(['File', 'Edit', 'View', 'help']);
    const file = flat([t[0]]);
    expect(file.map((i) => i.id).filter(Boolean)).toEqual(['open-snapshot', 'export-report', 'export-html', 'export-markdown', 'export-json', 'export-pdf', 'export-snapshot']);
    expect(file.some((i) => i.role === 'quit')).toBe(true);
  });

  it.each([
    [false, false],
    [true, true],
  ])('offers reload and developer tools only in development (dev=%s)', (isDev, present) => {
    const roles = flat(menuTemplate({ appName: 'P', isMac: false, isDev, actions: actions() })).map((i) => i.role);
    expect(roles.includes('reload')).toBe(present);
    expect(roles.includes('toggleDevTools')).toBe(present);
    expect(roles.includes('forceReload')).toBe(present);
  });

  it('wires the items to their actions', () => {
    const a = actions();
    const items = flat(menuTemplate({ appName: 'P', isMac: true, isDev: false, actions: a }));
    const click = (id: string): void => (items.find((i) => i.id === id)?.click as () => void)();
    click('open-snapshot');
    click('export-pdf');
    click('export-snapshot');
    click('about');
    expect(a.openSnapshot).toHaveBeenCalled();
    expect(a.exportReport).toHaveBeenCalledWith('pdf');
    expect(a.exportSnapshot).toHaveBeenCalled();
    expect(a.about).toHaveBeenCalled();
  });
});

describe('createMenuActions', () => {
  function setup(current: string | null) {
    const e = createElectronStub();
    const win = new FakeBrowserWindow({});
    const backend = fakeBackend();
    const native = {
      openSnapshotDialog: vi.fn(async () => ok({ ...SESSION, id: 'picked' })),
      exportPdf: vi.fn(async () => ok('/tmp/r.pdf')),
      saveFileDialog: vi.fn(async () => ok('/tmp/x')),
    };
    let pending: string | null = null;
    const a = createMenuActions({
      appName: 'Proxyscope',
      version: '1.0.0',
      backend,
      native: native as unknown as NativeApi,
      dialog: asElectron<Dialog>(e.dialog),
      window: () => asElectron<BrowserWindow>(win),
      currentSession: () => current,
      setPendingSession: (s) => (pending = s.id),
    });
    return { e, win, backend, native, a, pending: () => pending };
  }

  it('opens a snapshot, parks it for the renderer and reloads the window', async () => {
    const s = setup(null);
    s.a.openSnapshot();
    await s.a.settled();
    expect(s.pending()).toBe('picked');
    expect(s.win.webContents.reloads).toBe(1);
  });

  it('exports the current session report through the save dialog', async () => {
    const s = setup('s1');
    s.a.exportReport('markdown');
    s.a.exportReport('pdf');
    s.a.exportSnapshot();
    await s.a.settled();
    expect(s.backend.exportReport).toHaveBeenCalledWith({ sessionId: 's1', format: 'markdown' });
    expect(s.native.exportPdf).toHaveBeenCalledWith({ sessionId: 's1' });
    expect(s.backend.exportSnapshot).toHaveBeenCalledWith({ sessionId: 's1' });
    expect(s.native.saveFileDialog).toHaveBeenCalledTimes(2);
  });

  it('asks for a snapshot first when none is open', async () => {
    const s = setup(null);
    s.a.exportReport('html');
    await s.a.settled();
    expect(s.backend.exportReport).not.toHaveBeenCalled();
    expect(s.e.dialog.showMessageBox.mock.calls[0][1].message).toBe('Open a snapshot first.');
  });

  it('shows an error message instead of throwing', async () => {
    const s = setup('s1');
    s.native.exportPdf.mockResolvedValueOnce(fail('failed', 'printer on fire'));
    s.a.exportReport('pdf');
    await s.a.settled();
    expect(s.e.dialog.showMessageBox.mock.calls[0][1]).toMatchObject({ type: 'error', detail: 'printer on fire' });
  });
});
