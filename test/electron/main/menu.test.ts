import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindow, Dialog, MenuItemConstructorOptions } from 'electron';
import { API_EVENT_CHANNEL } from '../../../core/common/contract';
import type { ApiEvent, MenuAction } from '../../../core/common/contract';
import { menuTemplate } from '../../../electron/main/menu';
import type { MenuActions } from '../../../electron/main/menu';
import { createMenuActions } from '../../../electron/main/menuActions';
import { FakeBrowserWindow, asElectron, createElectronStub } from '../electronStub';

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
  function setup(hasWindow = true, send?: (e: ApiEvent) => void) {
    const e = createElectronStub();
    const win = new FakeBrowserWindow({});
    const a = createMenuActions({
      appName: 'Proxyscope',
      version: '1.0.0',
      dialog: asElectron<Dialog>(e.dialog),
      window: () => (hasWindow ? asElectron<BrowserWindow>(win) : null),
      ...(send ? { send } : {}),
    });
    const menuEvents = () => win.webContents.sent.filter((m) => m.channel === API_EVENT_CHANNEL).map((m) => m.args[0]);
    return { e, win, a, menuEvents };
  }

  const cases: [string, (a: MenuActions) => void, MenuAction][] = [
    ['Open Snapshot', (a) => a.openSnapshot(), 'open-snapshot'],
    ['Export HTML', (a) => a.exportReport('html'), 'export-html'],
    ['Export Markdown', (a) => a.exportReport('markdown'), 'export-markdown'],
    ['Export JSON', (a) => a.exportReport('json'), 'export-json'],
    ['Export PDF', (a) => a.exportReport('pdf'), 'export-pdf'],
    ['Export Snapshot', (a) => a.exportSnapshot(), 'export-snapshot'],
  ];

  it.each(cases)('%s tells the window through a menu event, without reloading it', async (_label, click, action) => {
    const s = setup();
    click(s.a);
    await s.a.settled();
    expect(s.menuEvents()).toEqual([{ type: 'menu', action }]);
    expect(s.win.webContents.reloads).toBe(0);
    expect(s.e.dialog.showMessageBox).not.toHaveBeenCalled();
  });

  it('uses the given event sender when there is one', async () => {
    const sent: ApiEvent[] = [];
    const s = setup(true, (e) => sent.push(e));
    s.a.exportReport('markdown');
    await s.a.settled();
    expect(sent).toEqual([{ type: 'menu', action: 'export-markdown' }]);
    expect(s.menuEvents()).toEqual([]);
  });

  it.each([
    ['no window', false, false],
    ['a destroyed window', true, true],
  ])('says to open a window first when there is %s', async (_label, hasWindow, destroyed) => {
    const s = setup(hasWindow);
    s.win.webContents.destroyed = destroyed;
    s.a.openSnapshot();
    await s.a.settled();
    expect(s.menuEvents()).toEqual([]);
    const call = s.e.dialog.showMessageBox.mock.calls[0];
    expect((call.length === 2 ? call[1] : call[0]).message).toBe('Open a Proxyscope window first.');
  });

  it('shows About as a native dialog', async () => {
    const s = setup();
    s.a.about();
    await s.a.settled();
    expect(s.e.dialog.showMessageBox.mock.calls[0][1]).toMatchObject({ type: 'info', message: 'Proxyscope 1.0.0' });
    expect(s.menuEvents()).toEqual([]);
  });

  it('shows an error message instead of throwing when sending fails', async () => {
    const s = setup(true, () => {
      throw new Error('window gone');
    });
    s.a.exportSnapshot();
    await s.a.settled();
    expect(s.e.dialog.showMessageBox.mock.calls[0][1]).toMatchObject({ type: 'error', detail: 'window gone' });
  });
});
