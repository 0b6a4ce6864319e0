import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiEvent, TerminalRequest } from '../../../../core/common/contract';
import { approvalsFile } from '../../../../core/node/app/kubeContexts';
import { saveExecApproval } from '../../../../core/node/kube/execApproval';
import type { PodTerminalOptions, PodTerminalSession, PodTerminalSink } from '../../../../core/node/terminal/podTerminal';
import { createTerminalHub } from '../../../../core/node/terminal/terminalHub';
import type { TerminalHub } from '../../../../core/node/terminal/terminalHub';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import { fixtureKubeconfig } from '../../../helpers/fakeApiServer/fixtureKubeconfig';

// The hub that owns debug-pod terminals by id: request checks and the exec-plugin gate answered
// at once, the pod started in the background with its output as terminal-data events and its
// end as one terminal-exit, keystrokes and sizes from before the shell runs delivered after.

const EXEC_USER = '    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /usr/bin/cloud-login\n      args: ["token"]';
const req = (extra: Partial<TerminalRequest> = {}): TerminalRequest => ({ node: 'w1', via: 'pod', context: 'plain', cols: 80, rows: 24, ...extra });

interface FakeOpen {
  calls: PodTerminalOptions[];
  sinks: PodTerminalSink[];
  inputs: string[];
  resizes: [number, number][];
  resolve: () => void;
  reject: (err: Error) => void;
  open: (o: PodTerminalOptions, s: PodTerminalSink) => Promise<PodTerminalSession>;
}

function fakeOpen(): FakeOpen {
  const f: FakeOpen = {
    calls: [],
    sinks: [],
    inputs: [],
    resizes: [],
    resolve: () => undefined,
    reject: () => undefined,
    open: (o, s) =>
      new Promise<PodTerminalSession>((resolve, reject) => {
        f.calls.push(o);
        f.sinks.push(s);
        let end: () => void = () => undefined;
        const closed = new Promise<void>((r) => (end = r));
        const session: PodTerminalSession = {
          namespace: 'proxyscope',
          pod: 'p',
          input: (d) => f.inputs.push(d),
          resize: (c, r) => f.resizes.push([c, r]),
          close: async () => {
            s.exit(null);
            end();
          },
          closed,
        };
        o.signal?.addEventListener('abort', () => {
          if (f.sinks.length) void session.close();
          reject(new Error('cancelled while waiting for the debug pod'));
        });
        f.resolve = () => resolve(session);
        f.reject = reject;
      }),
  };
  return f;
}

describe('terminal hub', () => {
  let dir: string;
  let events: ApiEvent[];
  let fake: FakeOpen;
  let hub: TerminalHub;
  let settings: { kubeconfig: string; home: string };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'proxyscope-hub-'));
    const server = { url: 'https://127.0.0.1:6443', caPem: 'unused', token: 't' };
    const plain = fixtureKubeconfig('plain', server);
    const withExec = fixtureKubeconfig('with-exec', server, { userYaml: EXEC_USER }).replace(/plain/g, 'x');
    writeFileSync(join(dir, 'plain'), plain, { mode: 0o600 });
    writeFileSync(join(dir, 'with-exec'), withExec, { mode: 0o600 });
    settings = { kubeconfig: join(dir, 'plain'), home: dir };
    events = [];
    fake = fakeOpen();
    hub = createTerminalHub((e) => events.push(e), { settings, open: fake.open, flushMs: 1 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const data = (id: string): string => events.flatMap((e) => (e.type === 'terminal-data' && e.terminalId === id ? [e.data] : [])).join('');
  const exits = (id: string): ApiEvent[] => events.filter((e) => e.type === 'terminal-exit' && e.terminalId === id);
  const opened = (extra: Partial<TerminalRequest> = {}): string => {
    const r = hub.open(req(extra));
    if (!r.ok) throw new Error(r.error.message);
    return r.value.terminalId;
  };

  it.each([
    ['an ssh request', { via: 'ssh' as const }, 'bad-request', /debug-pod terminals only/],
    ['no context', { context: undefined }, 'bad-request', /kubeconfig context/],
    ['a bad namespace', { podNamespace: 'Bad_NS' }, 'bad-request', /not a valid namespace/],
    ['a bad image', { podImage: 'a b' }, 'bad-request', /not an image reference/],
    ['a node name with control characters', { node: 'w1\u001b]0;x\u0007' }, 'bad-request', /control characters/],
    ['a context the kubeconfig lacks', { context: 'nope' }, 'not-found', /"nope" is not in the kubeconfig/],
  ])('refuses %s at once, starting nothing', (_what, extra, code, message) => {
    const r = hub.open(req(extra));
    expect(r.ok ? 'ok' : r.error.code).toBe(code);
    expect(r.ok ? '' : r.error.message).toMatch(message);
    expect(fake.calls).toEqual([]);
  });

  it('asks for approval of an exec credential plugin first, with what would run', () => {
    const r = hub.open(req({ kubeconfig: join(dir, 'with-exec'), context: 'with-exec' }));
    expect(r).toMatchObject({ ok: false, error: { code: 'exec-approval-required', exec: { command: '/usr/bin/cloud-login', args: ['token'], envNames: [] } } });
    expect(fake.calls).toEqual([]);
  });

  it('lets an approved exec plugin run, and passes the request on', () => {
    saveExecApproval({ command: '/usr/bin/cloud-login', args: ['token'], envNames: [] }, approvalsFile(settings));
    opened({ kubeconfig: join(dir, 'with-exec'), context: 'with-exec', podNamespace: 'debug', podImage: 'example.org/x:1', node: 'w2' });
    expect(fake.calls[0]).toMatchObject({ kubeconfig: join(dir, 'with-exec'), context: 'with-exec', node: 'w2', namespace: 'debug', image: 'example.org/x:1', cols: 80, rows: 24, allowExec: true });
  });

  it('answers with an id at once and streams the start-up notes and output as events', async () => {
    const id = opened();
    expect(id).toMatch(/^pod-[0-9a-f]{24}$/);
    expect(hub.has(id)).toBe(true);
    expect(fake.calls[0]).toMatchObject({ kubeconfig: settings.kubeconfig, allowExec: false });
    fake.sinks[0].data('creating…\r\n');
    fake.resolve();
    fake.sinks[0].data('$ ');
    await vi.waitFor(() => expect(data(id)).toBe('creating…\r\n$ '));
    fake.sinks[0].exit(3);
    expect(exits(id)).toEqual([{ type: 'terminal-exit', terminalId: id, exitCode: 3, signal: null }]);
    expect(hub.has(id)).toBe(false);
    expect(hub.input(id, 'x')).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('holds keystrokes and the last size from before the shell runs, and delivers them after', async () => {
    const id = opened();
    expect(hub.input(id, 'ls\r')).toEqual({ ok: true, value: true });
    expect(hub.resize(id, 120, 40)).toEqual({ ok: true, value: true });
    expect(fake.inputs).toEqual([]);
    fake.resolve();
    await vi.waitFor(() => expect(fake.inputs).toEqual(['ls\r']));
    expect(fake.resizes).toEqual([[120, 40]]);
    hub.input(id, 'pwd\r');
    hub.resize(id, 100, 30);
    expect(fake.inputs).toEqual(['ls\r', 'pwd\r']);
    expect(fake.resizes).toEqual([[120, 40], [100, 30]]);
    expect(hub.resize(id, 0, 30)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('writes why the pod could not start into the terminal, then ends it', async () => {
    const id = opened();
    fake.reject(new Error('the debug pod p was not running after 120 s: phase Pending; ImagePullBackOff\u001b[2J'));
    await vi.waitFor(() => expect(exits(id)).toHaveLength(1));
    expect(data(id)).toContain('[proxyscope] the debug pod p was not running after 120 s: phase Pending; ImagePullBackOff [2J');
    expect(data(id)).not.toContain('\u001b');
    expect(exits(id)[0]).toMatchObject({ exitCode: null });
  });

  it('stops a start-up when the terminal is closed, without an error text', async () => {
    const id = opened();
    expect(hub.close(id)).toEqual({ ok: true, value: true });
    expect(fake.calls[0].signal?.aborted).toBe(true);
    await vi.waitFor(() => expect(exits(id)).toHaveLength(1));
    expect(data(id)).toBe('');
  });

  it('closes every terminal on closeAll and waits for them', async () => {
    const a = opened();
    fake.resolve();
    await vi.waitFor(() => expect(fake.sinks).toHaveLength(1));
    await hub.closeAll();
    expect(exits(a)).toHaveLength(1);
    expect(hub.count()).toBe(0);
  });

  it('caps the number of debug-pod terminals', () => {
    const small = createTerminalHub(() => undefined, { settings, open: fakeOpen().open, maxTerminals: 1 });
    expect(small.open(req()).ok).toBe(true);
    expect(small.open(req())).toMatchObject({ ok: false, error: { code: 'failed' } });
  });
});

describe('terminal hub against the fixture API server', () => {
  let work: string;
  let api: FakeApiServer;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proxyscope-hubapi-'));
    api = await startFakeApiServer({ nodeHosts: { w1: { programs: {} } } });
    writeFileSync(join(work, 'kubeconfig'), api.kubeconfigFor('fixture'), { mode: 0o600 });
  }, 60_000);
  afterAll(async () => {
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('opens a node shell, runs what is typed, and deletes the pod when closed', async () => {
    const events: ApiEvent[] = [];
    const hub = createTerminalHub((e) => events.push(e), { settings: { kubeconfig: join(work, 'kubeconfig'), home: work }, pollMs: 10 });
    const r = hub.open(req({ context: 'fixture' }));
    if (!r.ok) throw new Error(r.error.message);
    const id = r.value.terminalId;
    hub.input(id, 'echo proxyscope-$((6*7))\n');
    const text = (): string => events.flatMap((e) => (e.type === 'terminal-data' ? [e.data] : [])).join('');
    await vi.waitFor(() => expect(text()).toContain('proxyscope-42'), { timeout: 10_000 });
    expect(text()).toMatch(/creating debug pod proxyscope\/proxyscope-t[0-9a-f]{8}-0 on node "w1"/);
    hub.close(id);
    await hub.closeAll();
    expect(events.filter((e) => e.type === 'terminal-exit')).toEqual([{ type: 'terminal-exit', terminalId: id, exitCode: null, signal: null }]);
    expect(api.podsMatching('app.kubernetes.io/managed-by=proxyscope')).toEqual([]);
    expect(api.podEvents.map((e) => e.verb)).toEqual(['create', 'delete']);
  });
});
