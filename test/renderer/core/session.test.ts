// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isProxy } from 'vue';
import { fail } from '../../../core/common/contract';
import { useSessionStore } from '../../../renderer/src/stores/session';
import { FAKE_SESSION } from '../../helpers/fakeApi';
import { harness } from './mountWith';
import type { Harness } from './mountWith';

describe('session store', () => {
  let h: Harness | undefined;
  afterEach(() => {
    h?.uninstall();
    h = undefined;
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('opens the demo on first start when there is no initial session', async () => {
    h = harness();
    const s = useSessionStore();
    expect(await s.init()).toBe(true);
    expect(h.fake.calls.map((c) => c.method)).toEqual(['appInfo', 'initialSession', 'openDemo', 'analysis', 'services']);
    expect(s.info?.title).toBe('Demo cluster');
    expect(s.appInfo?.runtime).toBe('browser');
    expect(s.analysis?.findings).toHaveLength(4);
    expect(s.services).toHaveLength(3);
    expect(s.busy).toBe(false);
    expect(s.error).toBeNull();
  });

  it('keeps the large data out of Vue reactivity', async () => {
    h = harness();
    const s = useSessionStore();
    await s.init();
    expect(isProxy(s.analysis)).toBe(false);
    expect(isProxy(s.services)).toBe(false);
  });

  it('opens the initial session (serve --snapshot) instead of the demo', async () => {
    const initial = { ...FAKE_SESSION, id: 'init', title: 'From the command line' };
    h = harness({ initial });
    const s = useSessionStore();
    await s.init();
    expect(h.fake.callsTo('openDemo')).toHaveLength(0);
    expect(h.fake.callsTo('analysis')).toEqual([{ sessionId: 'init' }]);
    expect(s.info?.title).toBe('From the command line');
  });

  it('runs the first-start sequence once even when asked twice', async () => {
    h = harness();
    const s = useSessionStore();
    await Promise.all([s.init(), s.init()]);
    expect(h.fake.callsTo('openDemo')).toHaveLength(1);
  });

  it.each([
    { name: 'the demo cannot be opened', over: { openDemo: async () => fail('failed', 'demo is broken') }, message: 'demo is broken' },
    { name: 'the analysis cannot be fetched', over: { analysis: async () => fail('not-found', 'session gone') }, message: 'session gone' },
    { name: 'the Services cannot be fetched', over: { services: async () => fail('failed', 'rows failed') }, message: 'rows failed' },
  ])('reports an error and loads nothing when $name', async ({ over, message }) => {
    h = harness({}, over);
    const s = useSessionStore();
    expect(await s.init()).toBe(false);
    expect(s.error?.message).toBe(message);
    expect(s.info).toBeNull();
    expect(s.busy).toBe(false);
    s.clearError();
    expect(s.error).toBeNull();
  });

  it('keeps the current session when an import fails', async () => {
    h = harness({}, { importSnapshot: async () => fail('invalid-snapshot', 'not a snapshot') });
    const s = useSessionStore();
    await s.init();
    const ok = await s.importFile(new File([new Uint8Array([1, 2, 3])], 'garbage.tar.gz'));
    expect(ok).toBe(false);
    expect(s.error?.code).toBe('invalid-snapshot');
    expect(s.info?.title).toBe('Demo cluster');
  });

  it('uploads the chosen file as base64 with its name', async () => {
    h = harness();
    const s = useSessionStore();
    expect(await s.importFile(new File([new Uint8Array([0x1f, 0x8b, 0x08, 0xff])], 'snap.tgz'))).toBe(true);
    expect(h.fake.callsTo('importSnapshot')).toEqual([{ fileName: 'snap.tgz', dataBase64: 'H4sI/w==' }]);
    expect(s.info?.id).toBe('s1');
  });

  it('treats a cancelled native open dialog as no error', async () => {
    h = harness({}, { openSnapshotDialog: async () => ({ ok: true, value: null }) });
    const s = useSessionStore();
    expect(await s.openDialog()).toBe(false);
    expect(s.error).toBeNull();
  });

  it('downloads an export in the browser with a safe file name', async () => {
    h = harness({}, { exportReport: async () => ({ ok: true, value: { fileName: '../../etc/\u202Ereport.html', mime: 'text/html', data: '<p>x</p>', encoding: 'utf8' } }) });
    const s = useSessionStore();
    await s.init();
    const created: Blob[] = [];
    vi.stubGlobal('URL', Object.assign(Object.create(URL), { createObjectURL: (b: Blob) => (created.push(b), 'blob:x'), revokeObjectURL: () => {} }));
    const names: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    expect(await s.exportReport('html')).toBe(true);
    expect(click).toHaveBeenCalledTimes(1);
    expect(names[0]).toBe('_.._etc_report.html');
    expect(await created[0].text()).toBe('<p>x</p>');
    expect(h.fake.callsTo('saveFileDialog')).toHaveLength(0);
  });

  it('saves through the native dialog when the runtime has one', async () => {
    h = harness({ appInfo: { version: 't', runtime: 'electron', terminals: true, nativeDialogs: true } });
    const s = useSessionStore();
    await s.init();
    expect(await s.exportSnapshot()).toBe(true);
    expect(h.fake.callsTo('saveFileDialog')).toHaveLength(1);
    expect(s.notice).toContain('/tmp/saved');
  });

  it('refuses to export without a session', async () => {
    h = harness();
    const s = useSessionStore();
    expect(await s.exportReport('json')).toBe(false);
    expect(s.error?.code).toBe('not-found');
  });
});
