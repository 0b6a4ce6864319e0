// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import App from '../../../renderer/src/App.vue';
import { fail, ok } from '../../../core/common/contract';
import type { Api, ApiEvent, ApiResult, PreloadBridge, SessionInfo } from '../../../core/common/contract';
import { describeProgress, useSessionStore } from '../../../renderer/src/stores/session';
import type { LoadProgress } from '../../../renderer/src/stores/session';
import { FAKE_SESSION } from '../../helpers/fakeApi';
import { harness, settle } from './mountWith';
import type { Harness } from './mountWith';

// Progress and cancel of a snapshot being opened (issue 5: heavy work off the window's thread).
// The fake backend answers the open call only when the test says so (or `cancelled` when the
// store cancels, as core/node/app/workerBackend.ts does), and the test pushes `progress` events
// through the fake preload bridge the way core/node/app/backend.ts emits them.

const IMPORTED: SessionInfo = { ...FAKE_SESSION, title: 'Imported snapshot' };
const JOB = 'job-1';
const progress = (jobId: string, phase: string, done: number, total: number): ApiEvent => ({ type: 'progress', jobId, phase, done, total });

/** An open call the test finishes; `cancel` answers it `cancelled` like the worker backend. */
function pendingOpen(): { over: Partial<Api>; finish(r: ApiResult<SessionInfo>): void } {
  const waiting: ((r: ApiResult<SessionInfo>) => void)[] = [];
  const open = (): Promise<ApiResult<SessionInfo>> => new Promise((resolve) => waiting.push(resolve));
  const finish = (r: ApiResult<SessionInfo>): void => waiting.shift()?.(r);
  return {
    over: {
      importSnapshot: open,
      cancel: async () => {
        finish(fail('cancelled', 'cancelled before the analysis finished'));
        return ok(true as const);
      },
    },
    finish,
  };
}

const emit = (e: ApiEvent): void => (globalThis as { proxyscope?: PreloadBridge & { emit(e: ApiEvent): void } }).proxyscope?.emit(e);
const snapshotFile = (): File => new File([new Uint8Array([0x1f, 0x8b])], 'big.tar.gz');

describe('describeProgress', () => {
  const cases: { p: LoadProgress | null; text: string }[] = [
    { p: null, text: 'Loading…' },
    { p: { jobId: JOB, phase: 'load', done: 0, total: 1 }, text: 'Loading snapshot…' },
    { p: { jobId: JOB, phase: 'analyze', done: 3, total: 6 }, text: 'Analysing 3 of 6 nodes…' },
    { p: { jobId: JOB, phase: 'analyze', done: 0, total: 1 }, text: 'Analysing 0 of 1 node…' },
    { p: { jobId: JOB, phase: 'analyze', done: 0, total: 0 }, text: 'Analysing…' },
    { p: { jobId: JOB, phase: 'scan', done: 1, total: 4 }, text: 'Scanning 1 of 4 nodes…' },
    { p: { jobId: JOB, phase: 'export', done: 2, total: 5 }, text: 'Working: export (2 of 5)…' },
  ];
  it.each(cases)('words $p.phase $p.done/$p.total as "$text"', ({ p, text }) => {
    expect(describeProgress(p)).toBe(text);
  });
});

describe('session store: progress and cancel of an opening snapshot', () => {
  let h: Harness | undefined;
  afterEach(() => {
    h?.uninstall();
    h = undefined;
    vi.restoreAllMocks();
  });

  async function withSession(over: Partial<Api> = {}): Promise<ReturnType<typeof useSessionStore>> {
    h = harness({}, over);
    const s = useSessionStore();
    expect(await s.openDemo()).toBe(true);
    return s;
  }

  it('follows the job of the pending open through its phases', async () => {
    const o = pendingOpen();
    const s = await withSession(o.over);
    const done = s.importFile(snapshotFile());
    await flushPromises();
    expect(s.busy).toBe(true);
    expect(s.progress).toBeNull();
    expect(s.busyText).toBe('Loading…');
    emit(progress(JOB, 'load', 0, 1));
    expect(s.busyText).toBe('Loading snapshot…');
    emit(progress(JOB, 'analyze', 3, 6));
    expect(s.progress).toEqual({ jobId: JOB, phase: 'analyze', done: 3, total: 6 });
    expect(s.busyText).toBe('Analysing 3 of 6 nodes…');
    o.finish(ok(IMPORTED));
    expect(await done).toBe(true);
    expect(s.info?.title).toBe('Imported snapshot');
    expect(s.progress).toBeNull();
  });

  it('cancels the job the progress events named and keeps the previous session without an error', async () => {
    const o = pendingOpen();
    const s = await withSession(o.over);
    const done = s.importFile(snapshotFile());
    await flushPromises();
    emit(progress(JOB, 'load', 1, 1));
    expect(await s.cancelLoad()).toBe(true);
    expect(await done).toBe(false);
    expect(h?.fake.callsTo('cancel')).toEqual([{ id: JOB }]);
    expect(s.info?.title).toBe('Demo cluster');
    expect(s.services).toHaveLength(3);
    expect(s.error).toBeNull();
    expect(s.notice).toBe('Loading cancelled');
    expect(s.busy).toBe(false);
    expect(s.progress).toBeNull();
  });

  it('lets go of the previous session when a hard cancel closed it in the backend', async () => {
    const o = pendingOpen();
    const s = await withSession({ ...o.over, nodes: async () => fail('not-found', 'no such session') });
    const done = s.importFile(snapshotFile());
    await flushPromises();
    emit(progress(JOB, 'analyze', 0, 6));
    await s.cancelLoad();
    await done;
    expect(s.info).toBeNull();
    expect(s.analysis).toBeNull();
    expect(s.error).toBeNull();
    expect(s.notice).toContain('open it again');
  });

  it('offers no cancel while no job id is known', async () => {
    const o = pendingOpen();
    const s = await withSession(o.over);
    const done = s.importFile(snapshotFile());
    await flushPromises();
    expect(await s.cancelLoad()).toBe(false);
    expect(h?.fake.callsTo('cancel')).toEqual([]);
    o.finish(ok(IMPORTED));
    expect(await done).toBe(true);
  });

  it('still shows an error when the open fails', async () => {
    const o = pendingOpen();
    const s = await withSession(o.over);
    const done = s.importFile(snapshotFile());
    await flushPromises();
    emit(progress(JOB, 'load', 0, 1));
    o.finish(fail('invalid-snapshot', 'not a snapshot'));
    expect(await done).toBe(false);
    expect(s.error?.code).toBe('invalid-snapshot');
    expect(s.notice).toBeNull();
    expect(s.info?.title).toBe('Demo cluster');
  });

  it('reports a cancelled answer the user did not ask for as an error', async () => {
    const o = pendingOpen();
    const s = await withSession(o.over);
    const done = s.importFile(snapshotFile());
    await flushPromises();
    emit(progress(JOB, 'load', 0, 1));
    o.finish(fail('cancelled', 'the backend was closed'));
    await done;
    expect(s.error?.message).toBe('the backend was closed');
  });

  it('treats a job that finished before the cancel arrived as no error', async () => {
    const o = pendingOpen();
    const s = await withSession({ ...o.over, cancel: async () => fail('not-found', 'no running job with that id (it may have finished)') });
    const done = s.importFile(snapshotFile());
    await flushPromises();
    emit(progress(JOB, 'analyze', 6, 6));
    expect(await s.cancelLoad()).toBe(false);
    expect(s.error).toBeNull();
    o.finish(ok(IMPORTED));
    expect(await done).toBe(true);
    expect(s.notice).toBeNull();
  });

  it.each([
    { name: 'a scan (scan phase)', events: [progress('scan-1', 'scan', 1, 3), progress('scan-1', 'analyze', 0, 3)], expected: null },
    {
      name: 'a scan (scan-node event first)',
      events: [{ type: 'scan-node', scanId: 'scan-1', node: 'n1', state: 'ok', message: '' }, progress('scan-1', 'analyze', 0, 3)] as ApiEvent[],
      expected: null,
    },
    {
      name: 'a scan that started analysing before the open job was known',
      events: [progress('scan-1', 'analyze', 0, 3), progress(JOB, 'load', 0, 1), progress('scan-1', 'analyze', 3, 3)],
      expected: 'load',
    },
    { name: 'another job once the open job is known', events: [progress(JOB, 'load', 0, 1), progress('other', 'analyze', 1, 2)], expected: 'load' },
  ])('ignores the progress of $name while a snapshot opens', async ({ events, expected }) => {
    const o = pendingOpen();
    const s = await withSession(o.over);
    const done = s.importFile(snapshotFile());
    await flushPromises();
    for (const e of events) emit(e);
    expect(s.progress).toEqual(expected === null ? null : { jobId: JOB, phase: expected, done: 0, total: 1 });
    o.finish(ok(IMPORTED));
    await done;
  });

  it('ignores progress events after the open answered', async () => {
    const o = pendingOpen();
    const s = await withSession(o.over);
    const done = s.importFile(snapshotFile());
    await flushPromises();
    emit(progress(JOB, 'load', 0, 1));
    o.finish(ok(IMPORTED));
    await done;
    emit(progress('later', 'load', 0, 1));
    emit(progress(JOB, 'analyze', 1, 1));
    expect(s.progress).toBeNull();
    expect(s.busy).toBe(false);
  });

  it('does not open the demo after the user cancelled the initial snapshot', async () => {
    let answer: ((r: ApiResult<SessionInfo | null>) => void) | undefined;
    h = harness({}, {
      initialSession: () => new Promise((resolve) => (answer = resolve)),
      cancel: async () => {
        answer?.(fail('cancelled', 'cancelled before the analysis finished'));
        return ok(true as const);
      },
    });
    const s = useSessionStore();
    const started = s.init();
    await flushPromises();
    emit(progress(JOB, 'load', 0, 1));
    await s.cancelLoad();
    expect(await started).toBe(false);
    expect(h.fake.callsTo('openDemo')).toEqual([]);
    expect(s.info).toBeNull();
    expect(s.error).toBeNull();
    expect(s.notice).toBe('Loading cancelled');
  });
});

describe('App shell: busy indicator with progress and cancel', () => {
  let h: Harness;
  let w: VueWrapper | undefined;
  afterEach(() => {
    w?.unmount();
    w = undefined;
    h.uninstall();
    vi.restoreAllMocks();
  });

  async function mountApp(over: Partial<Api>): Promise<VueWrapper> {
    h = harness({}, over);
    await h.router.push('/findings');
    w = mount(App, { global: { plugins: [h.pinia, h.router, ElementPlus] }, attachTo: document.body });
    await settle(0);
    return w;
  }
  const tid = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`);

  async function startImport(w: VueWrapper): Promise<void> {
    const input = tid(w, 'import-file-input');
    Object.defineProperty(input.element, 'files', { value: [snapshotFile()], configurable: true });
    await input.trigger('change');
    await flushPromises();
  }

  it('shows the phase in words and a cancel button once the job is known', async () => {
    const o = pendingOpen();
    const w = await mountApp(o.over);
    await startImport(w);
    expect(tid(w, 'busy-indicator').text()).toBe('Loading…');
    expect(tid(w, 'busy-cancel').exists()).toBe(false);
    emit(progress(JOB, 'load', 0, 1));
    await flushPromises();
    expect(tid(w, 'busy-indicator').text()).toBe('Loading snapshot…');
    emit(progress(JOB, 'analyze', 3, 6));
    await flushPromises();
    expect(tid(w, 'busy-indicator').text()).toBe('Analysing 3 of 6 nodes…');
    expect(tid(w, 'busy-cancel').exists()).toBe(true);
    o.finish(ok(IMPORTED));
    await settle(0);
    expect(tid(w, 'busy-indicator').exists()).toBe(false);
    expect(tid(w, 'busy-cancel').exists()).toBe(false);
    expect(tid(w, 'session-title').text()).toBe('Imported snapshot');
  });

  it('cancels from the button and keeps the shown session without an error banner', async () => {
    const o = pendingOpen();
    const w = await mountApp(o.over);
    await startImport(w);
    emit(progress(JOB, 'analyze', 0, 6));
    await flushPromises();
    await tid(w, 'busy-cancel').trigger('click');
    await settle(0);
    expect(h.fake.callsTo('cancel')).toEqual([{ id: JOB }]);
    expect(tid(w, 'session-title').text()).toBe('Demo cluster');
    expect(tid(w, 'error-banner').exists()).toBe(false);
    expect(w.text()).toContain('Loading cancelled');
    expect(tid(w, 'busy-indicator').exists()).toBe(false);
  });

  it('keeps the navigation usable while a snapshot opens', async () => {
    const o = pendingOpen();
    const w = await mountApp(o.over);
    await startImport(w);
    emit(progress(JOB, 'load', 0, 1));
    await tid(w, 'nav-services').trigger('click');
    await settle(0);
    expect(h.router.currentRoute.value.path).toBe('/services');
    expect(tid(w, 'busy-indicator').exists()).toBe(true);
    o.finish(ok(IMPORTED));
    await settle(0);
  });

  it('shows the error banner when the open fails', async () => {
    const o = pendingOpen();
    const w = await mountApp(o.over);
    await startImport(w);
    emit(progress(JOB, 'load', 0, 1));
    o.finish(fail('invalid-snapshot', 'not a snapshot'));
    await settle(0);
    expect(tid(w, 'error-banner').text()).toContain('not a snapshot');
    expect(tid(w, 'busy-cancel').exists()).toBe(false);
  });
});
