import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ApiResult, SessionInfo } from '../../../../core/common/contract';
import { createBackend } from '../../../../core/node/app/backend';
import type { Backend } from '../../../../core/node/app/backendTypes';
import { createWorkerBackend, findBackendWorker } from '../../../../core/node/app/workerBackend';
import type { WorkerBackendOptions } from '../../../../core/node/app/workerBackend';
import { writeBigSnapshot } from '../../../helpers/bigSnapshot';
import type { ShimHooks } from '../../../helpers/workerShim';
import { buildWorkers } from '../../../helpers/workerShimBuild';
import type { BuiltWorkers } from '../../../helpers/workerShimBuild';
import { code, value } from '../../../helpers/apiTestKit';

// createWorkerBackend: the same backend as createBackend, in a worker thread (built here with
// esbuild like out/cli), plus what only a worker has: hard cancel of a hung job, surviving a
// crashed worker, and an app thread that stays responsive while a big snapshot is analysed.

const DEMO = join(__dirname, '..', '..', '..', '..', 'assets', 'demo');


let built: BuiltWorkers;
let work: string;
const opened: Backend[] = [];

function workerBackend(over: Partial<WorkerBackendOptions> = {}): Backend {
  const b = createWorkerBackend({ version: 'test', demoDir: DEMO, tmpDir: work, workerFile: built.backendWorker, ...over });
  opened.push(b);
  return b;
}
function shimBackend(hooks: ShimHooks, over: Partial<WorkerBackendOptions> = {}): Backend {
  return workerBackend({ workerFile: built.shim, workerExtra: { ...hooks }, ...over });
}

beforeAll(async () => {
  built = await buildWorkers();
  work = mkdtempSync(join(tmpdir(), 'proxyscope-worker-backend-'));
});

afterAll(async () => {
  await Promise.all(opened.map((b) => b.dispose()));
  built?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the demo through the worker', () => {
  let local: Backend;
  let remote: Backend;
  let a: SessionInfo;
  let b: SessionInfo;
  const events: ApiEvent[] = [];

  beforeAll(async () => {
    local = createBackend({ version: 'test', demoDir: DEMO, tmpDir: work });
    opened.push(local);
    remote = workerBackend();
    remote.onEvent((e) => events.push(e));
    a = value(await local.openDemo());
    b = value(await remote.openDemo());
  });

  it('opens the demo with the same nodes and counts as createBackend', () => {
    expect(b).toMatchObject({ source: 'demo', hasCluster: true, counts: a.counts, limitations: a.limitations });
    expect(b.nodes).toEqual(a.nodes);
  });

  it('forwards the load and analyze progress events under one job id', () => {
    const progress = events.filter((e): e is Extract<ApiEvent, { type: 'progress' }> => e.type === 'progress');
    expect(new Set(progress.map((e) => e.jobId)).size).toBe(1);
    expect(progress.map((e) => [e.phase, e.done, e.total])).toEqual([
      ['load', 0, 1],
      ['load', 1, 1],
      ['analyze', 0, 6],
      ['analyze', 6, 6],
    ]);
  });

  it.each([
    { name: 'the Services list', call: (x: Backend, id: string) => x.services({ sessionId: id }) },
    { name: 'the detail of shop/web', call: (x: Backend, id: string) => x.serviceDetail({ sessionId: id, service: 'shop/web' }) },
    { name: 'the detail of shop/search (nftables)', call: (x: Backend, id: string) => x.serviceDetail({ sessionId: id, service: 'shop/search' }) },
    { name: 'the rule files of worker-5', call: (x: Backend, id: string) => x.ruleFiles({ sessionId: id, node: 'worker-5' }) },
    { name: 'the rule text of worker-2', call: (x: Backend, id: string) => x.ruleText({ sessionId: id, node: 'worker-2', file: 'iptables-save.txt' }) },
    { name: 'a trace to shop/web', call: (x: Backend, id: string) => x.trace({ sessionId: id, node: 'worker-1', dst: '10.96.0.104', port: 80, protocol: 'tcp' }) },
    { name: 'the Markdown report', call: (x: Backend, id: string) => x.exportReport({ sessionId: id, format: 'markdown' }) },
    { name: 'an unknown Service', call: (x: Backend, id: string) => x.serviceDetail({ sessionId: id, service: 'shop/nope' }) },
  ])('answers $name exactly as createBackend does', async ({ call }) => {
    const [want, got] = await Promise.all([call(local, a.id), call(remote, b.id)]);
    // Reports carry the time they were made.
    const stamp = (r: unknown) => JSON.stringify(r).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
    expect(stamp(got)).toEqual(stamp(want));
  });

  it('round-trips the snapshot through export and import with the same counts', async () => {
    const f = value(await remote.exportSnapshot({ sessionId: b.id }));
    expect(f).toMatchObject({ fileName: 'proxyscope-snapshot-demo.tar.gz', encoding: 'base64' });
    const imported = value(await remote.importSnapshot({ fileName: 'copy.tgz', dataBase64: f.data }));
    expect(imported).toMatchObject({ source: 'copy.tgz', counts: a.counts });
    expect(imported.id).not.toBe(b.id);
  });

  it.each([
    { name: 'a node address from cluster.json', req: { node: 'worker-2' } },
    { name: 'the request overrides', req: { node: 'worker-2', host: '192.0.2.7', port: 2222, user: 'ops', identityFile: '/k/id', knownHostsFile: '/k/kh' } },
    { name: 'an unknown node (not-found)', req: { node: 'worker-9' } },
  ])('resolves terminal targets synchronously like createBackend: $name', ({ req }) => {
    const got = remote.terminalTarget({ ...req, sessionId: b.id, cols: 80, rows: 24 });
    expect(got).toEqual(local.terminalTarget({ ...req, sessionId: a.id, cols: 80, rows: 24 }));
  });

  it('answers not-found for the terminal target of an unknown session', () => {
    expect(code(remote.terminalTarget({ node: 'worker-2', sessionId: 'nope', cols: 80, rows: 24 }))).toBe('not-found');
  });
});

describe('cancel', () => {
  it('cancels an analysis through its job id, and the worker acknowledges', async () => {
    const b = workerBackend();
    const cancels: Promise<ApiResult<true>>[] = [];
    const stop = b.onEvent((e) => {
      if (e.type !== 'progress' || e.phase !== 'load' || e.done !== 0) return;
      stop();
      cancels.push(b.cancel({ id: e.jobId }));
    });
    expect(code(await b.openDemo())).toBe('cancelled');
    expect((await Promise.all(cancels)).map(code)).toEqual(['ok']);
    // The worker is still the same one: it opens the demo next.
    expect(code(await b.openDemo())).toBe('ok');
  });

  it('answers not-found for a job that is not running', async () => {
    expect(code(await workerBackend().cancel({ id: 'no-such-job' }))).toBe('not-found');
  });

  it('terminates a worker hung in synchronous work, fails its call as cancelled and starts a fresh worker', async () => {
    const healthy = value(await workerBackend().openDemo());
    const hung = shimBackend({ hang: 'openDemo', onceFile: join(work, 'hang-once') }, { cancelGraceMs: 300 });
    const call = hung.openDemo();
    const cancelled = await hung.cancel({ id: 'whatever-job' });
    expect(cancelled).toEqual({ ok: true, value: true });
    const r = await call;
    expect(code(r)).toBe('cancelled');
    expect(r.ok ? '' : r.error.message).toMatch(/restarted; open snapshots were closed/);
    const again = value(await hung.openDemo());
    expect(again.counts).toEqual(healthy.counts);
  });
});

describe('a crashed worker', () => {
  it('fails the pending calls cleanly and the next call runs in a fresh worker', async () => {
    const b = shimBackend({ crash: 'openDemo', onceFile: join(work, 'crash-once') });
    const events: ApiEvent[] = [];
    b.onEvent((e) => events.push(e));
    const [crashed, alongside] = await Promise.all([b.openDemo(), b.openDemo()]);
    for (const r of [crashed, alongside]) {
      expect(code(r)).toBe('failed');
      expect(r.ok ? '' : r.error.message).toMatch(/^the analysis worker stopped: .*the test shim crashed the worker.*; open snapshots were closed; open the snapshot again$/);
    }
    const next = value(await b.openDemo());
    expect(next.nodes).toHaveLength(6);
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThan(0);
  });
});

describe('the app thread stays responsive', () => {
  let big: ReturnType<typeof writeBigSnapshot>;
  beforeAll(() => {
    big = writeBigSnapshot({ generated: 4999 });
  });
  afterAll(() => big?.cleanup());

  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

  /** Longest stall of this thread during `fn`, as a share of how long `fn` took. */
  async function stallShare(fn: () => Promise<unknown>): Promise<{ share: number; result: unknown }> {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    await tick();
    h.reset();
    const t0 = performance.now();
    const result = await fn();
    const took = performance.now() - t0;
    // A stall is recorded by the first timer after it: let that timer run.
    await tick();
    h.disable();
    return { share: h.max / 1e6 / took, result };
  }

  it('keeps the longest event-loop stall a small share of a 5k-Service analysis (in-process it is most of it)', async () => {
    const inWorker = workerBackend({ demoDir: big.dir });
    // The worker thread started and its code loaded before measuring.
    await inWorker.contexts({ kubeconfig: join(work, 'none') });
    const free = await stallShare(() => inWorker.openDemo());
    const inProcess = createBackend({ version: 'test', demoDir: big.dir, tmpDir: work });
    opened.push(inProcess);
    const blocking = await stallShare(() => inProcess.openDemo());
    const counts = (r: unknown) => value(r as ApiResult<SessionInfo>).counts;
    expect(counts(free.result)).toEqual(counts(blocking.result));
    // In-process the analysis is one synchronous block (~99% of the call here); through the
    // worker this thread only waits (a few % here: timer jitter and OS scheduling on a busy box).
    expect(blocking.share).toBeGreaterThan(0.5);
    expect(free.share).toBeLessThan(0.25);
  });
});

describe('closing and finding the worker', () => {
  it('removes its temporary files on dispose and answers later calls as closed', async () => {
    const tmp = mkdtempSync(join(work, 'dispose-'));
    const b = workerBackend({ tmpDir: tmp });
    const s = value(await b.openDemo());
    value(await b.exportSnapshot({ sessionId: s.id }));
    await b.dispose();
    expect(readdirSync(tmp)).toEqual([]);
    const r = await b.openDemo();
    expect(r.ok ? '' : r.error.message).toBe('the backend was closed');
  });

  const layout = mkdtempSync(join(tmpdir(), 'proxyscope-find-worker-'));
  afterAll(() => rmSync(layout, { recursive: true, force: true }));
  it.each([
    { name: 'backendWorker.js next to the Electron main bundle', files: ['main/backendWorker.js'], dir: 'main', want: 'main/backendWorker.js' },
    { name: 'backendWorker.cjs next to the CLI bundle', files: ['cli/backendWorker.cjs'], dir: 'cli', want: 'cli/backendWorker.cjs' },
    { name: 'the CLI build from another bundle folder', files: ['cli/backendWorker.cjs'], dir: 'other', want: 'cli/backendWorker.cjs' },
    { name: 'nothing when no bundle was built', files: [], dir: 'empty', want: null },
  ])('finds $name', ({ files, dir, want }) => {
    const root = mkdtempSync(join(layout, 'case-'));
    mkdirSync(join(root, dir), { recursive: true });
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    const found = findBackendWorker(join(root, dir));
    expect(found === null ? null : found.slice(root.length + 1)).toBe(want);
    if (found !== null) expect(existsSync(found)).toBe(true);
  });
});
