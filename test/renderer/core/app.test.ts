// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import App from '../../../renderer/src/App.vue';
import { fail } from '../../../core/common/contract';
import type { Api, MenuAction } from '../../../core/common/contract';
import { installFakeBridge } from '../../helpers/fakeApi';
import type { FakeData } from '../../helpers/fakeApi';
import { HOSTILE, harness, inertReport, settle } from './mountWith';
import type { Harness } from './mountWith';

describe('App shell', () => {
  let h: Harness;
  let w: VueWrapper | undefined;
  afterEach(() => {
    w?.unmount();
    h.uninstall();
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
  });

  async function open(data: Partial<FakeData> = {}, over: Partial<Api> = {}): Promise<VueWrapper> {
    h = harness(data, over);
    await h.router.push('/findings');
    w = mount(App, { global: { plugins: [h.pinia, h.router, ElementPlus] }, attachTo: document.body });
    await settle(0);
    return w;
  }
  const tid = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`);

  it('opens the demo on first start and shows its title and the navigation', async () => {
    const w = await open();
    expect(tid(w, 'session-title').text()).toBe('Demo cluster');
    for (const v of ['findings', 'services', 'nodes', 'rules', 'trace', 'compare', 'clusters', 'terminal']) expect(tid(w, `nav-${v}`).exists()).toBe(true);
    expect(tid(w, 'busy-indicator').exists()).toBe(false);
    expect(tid(w, 'error-banner').exists()).toBe(false);
    expect(tid(w, 'import-file-input').attributes()).toMatchObject({ type: 'file', accept: '.tar.gz,.tgz' });
  });

  it('shows API errors as text in the error banner', async () => {
    const w = await open({}, { openDemo: async () => fail('failed', `${HOSTILE.img} ${HOSTILE.bidi}`) });
    const banner = tid(w, 'error-banner');
    expect(banner.text()).toContain(HOSTILE.img);
    expect(banner.text()).toContain('<U+202E>');
    expect(inertReport(w.element)).toEqual({ imgs: 0, scripts: 0, jsHrefs: [], onAttrs: [] });
  });

  it('offers PDF export only with native dialogs', async () => {
    const w = await open();
    await tid(w, 'export-menu').trigger('click');
    expect(['export-html', 'export-markdown', 'export-json', 'export-snapshot'].map((id) => tid(w, id).exists())).toEqual([true, true, true, true]);
    expect(tid(w, 'export-pdf').exists()).toBe(false);
    w.unmount();
    h.uninstall();
    const w2 = await open({ appInfo: { version: 't', runtime: 'electron', terminals: true, nativeDialogs: true } });
    await tid(w2, 'export-menu').trigger('click');
    await tid(w2, 'export-pdf').trigger('click');
    await flushPromises();
    expect(h.fake.callsTo('exportPdf')).toEqual([{ sessionId: 's1' }]);
  });

  it('exports a report as a browser download', async () => {
    const w = await open();
    vi.stubGlobal('URL', Object.assign(Object.create(URL), { createObjectURL: () => 'blob:x', revokeObjectURL: () => {} }));
    const downloads: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloads.push(this.download);
    });
    await tid(w, 'export-menu').trigger('click');
    await tid(w, 'export-markdown').trigger('click');
    await flushPromises();
    expect(h.fake.callsTo('exportReport')).toEqual([{ sessionId: 's1', format: 'markdown' }]);
    expect(downloads).toEqual(['report.md']);
    expect(tid(w, 'export-html').exists()).toBe(false); // the menu closed
  });

  it('imports the chosen file', async () => {
    const w = await open();
    const input = tid(w, 'import-file-input');
    const file = new File([new Uint8Array([1, 2])], 'x.tar.gz');
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
    await input.trigger('change');
    await settle(0);
    expect(h.fake.callsTo('importSnapshot')).toEqual([{ fileName: 'x.tar.gz', dataBase64: 'AQI=' }]);
  });

  it('uses the native open dialog in Electron', async () => {
    const w = await open({ appInfo: { version: 't', runtime: 'electron', terminals: true, nativeDialogs: true } });
    await tid(w, 'import-snapshot').trigger('click');
    await settle(0);
    expect(h.fake.callsTo('openSnapshotDialog')).toHaveLength(1);
  });

  describe('application menu events (Electron)', () => {
    const ELECTRON: FakeData['appInfo'] = { version: 't', runtime: 'electron', terminals: true, nativeDialogs: true };

    /** The app with a bridge whose events the test can push (the harness's bridge does not expose them). */
    async function openElectron(appInfo = ELECTRON): Promise<{ w: VueWrapper; emit: (action: MenuAction) => Promise<void> }> {
      h = harness({ appInfo });
      const { bridge } = installFakeBridge(h.fake.api);
      await h.router.push('/findings');
      w = mount(App, { global: { plugins: [h.pinia, h.router, ElementPlus] }, attachTo: document.body });
      await settle(0);
      return {
        w,
        emit: async (action) => {
          bridge.emit({ type: 'menu', action });
          await settle(0);
        },
      };
    }

    it.each([
      ['export-html', 'exportReport', [{ sessionId: 's1', format: 'html' }]],
      ['export-markdown', 'exportReport', [{ sessionId: 's1', format: 'markdown' }]],
      ['export-json', 'exportReport', [{ sessionId: 's1', format: 'json' }]],
      ['export-pdf', 'exportPdf', [{ sessionId: 's1' }]],
      ['export-snapshot', 'exportSnapshot', [{ sessionId: 's1' }]],
      ['open-snapshot', 'openSnapshotDialog', [undefined]],
    ] as const)('%s from the menu calls %s like the header does', async (action, method, args) => {
      const { emit } = await openElectron();
      await emit(action);
      expect(h.fake.callsTo(method)).toEqual(args);
    });

    it('saves menu exports through the native save dialog', async () => {
      const { emit } = await openElectron();
      await emit('export-json');
      expect(h.fake.callsTo('saveFileDialog')).toHaveLength(1);
    });

    it('ignores menu events in a browser (no application menu there)', async () => {
      const { emit } = await openElectron({ version: 't', runtime: 'browser', terminals: false, nativeDialogs: false });
      await emit('export-html');
      expect(h.fake.callsTo('exportReport')).toEqual([]);
    });

    it('stops listening when the app is unmounted', async () => {
      const { w: app, emit } = await openElectron();
      app.unmount();
      w = undefined;
      await emit('export-snapshot');
      expect(h.fake.callsTo('exportSnapshot')).toEqual([]);
    });
  });
});
