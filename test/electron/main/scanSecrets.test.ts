import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SafeStorage } from 'electron';
import type { ApiEvent, ScanRequest } from '../../../core/common/contract';
import { ok } from '../../../core/common/contract';
import { dispatchApi } from '../../../core/node/app/dispatch';
import { REMEMBERED_NOTICE, UNREADABLE_NOTICE, passphraseSecretName, withScanSecrets } from '../../../electron/main/scanSecrets';
import { NO_KEYRING_MESSAGE, createSecretStore } from '../../../electron/main/secrets';
import type { ElectronStub } from '../electronStub';
import { asElectron, createElectronStub } from '../electronStub';
import type { FakeBackend } from '../fakeBackend';
import { SESSION, fakeBackend } from '../fakeBackend';

// The desktop app's scan wrapper: a remembered passphrase is looked up when the request has an
// identity file and none; one sent with rememberPassphrase is stored through safeStorage; on
// Linux basic_text (no keyring) nothing is stored, the scan still runs and its scan-done says why.
// The canary passphrase must never be on disk in clear.

const CANARY = 'canary-pass-8d2b71-never-in-clear';
const KEY = '/home/u/.ssh/id_locked';

let e: ElectronStub;
let root: string;
let dir: string;
let backend: FakeBackend;
let started: ScanRequest[];
let scans: number;

beforeEach(() => {
  e = createElectronStub();
  root = mkdtempSync(join(tmpdir(), 'proxyscope-scansecrets-'));
  dir = join(root, 'secrets');
  backend = fakeBackend();
  started = [];
  scans = 0;
  backend.startScan = vi.fn(async (req: ScanRequest) => {
    started.push(req);
    return ok({ scanId: `scan-${++scans}` });
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const store = (platform: NodeJS.Platform = 'linux') => createSecretStore(asElectron<SafeStorage>(e.safeStorage), dir, platform);

/** The wrapped backend and every event its listeners saw. */
function wrapped(platform?: NodeJS.Platform) {
  const b = withScanSecrets(backend, store(platform));
  const events: ApiEvent[] = [];
  b.onEvent((ev) => events.push(ev));
  return { b, events };
}

const scan = (ssh: ScanRequest['ssh'], via: 'ssh' | 'pod' = 'ssh'): ScanRequest => ({ context: 'prod', via, ...(ssh ? { ssh } : {}) });

/** Every byte under the test's folder (the secret store and anything else written). */
function diskText(): string {
  const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((x) => (x.isDirectory() ? walk(join(d, x.name)) : [join(d, x.name)])) : []);
  return walk(root).map((f) => `${f}\n${readFileSync(f).toString('latin1')}`).join('\n');
}

describe('withScanSecrets', () => {
  it('fills in the passphrase remembered for the identity file when the request has none', async () => {
    await store().save(passphraseSecretName(KEY), CANARY);
    const { b, events } = wrapped();
    expect(await b.startScan(scan({ identityFile: KEY, user: 'core' }))).toEqual(ok({ scanId: 'scan-1' }));
    expect(started).toEqual([scan({ identityFile: KEY, user: 'core', identityPassphrase: CANARY })]);
    backend.emit({ type: 'scan-done', scanId: 'scan-1', sessionId: 's1' });
    expect(events).toEqual([{ type: 'scan-done', scanId: 'scan-1', sessionId: 's1' }]);
  });

  it('keys remembered passphrases by the absolute path of the key', async () => {
    await store().save(passphraseSecretName(KEY), CANARY);
    const { b } = wrapped();
    await b.startScan(scan({ identityFile: '/home/u/.ssh/../.ssh/id_locked' }));
    await b.startScan(scan({ identityFile: '/home/u/.ssh/id_other' }));
    expect(started.map((r) => r.ssh?.identityPassphrase)).toEqual([CANARY, undefined]);
    expect(passphraseSecretName(KEY)).toMatch(/^ssh-passphrase-[0-9a-f]{40}$/);
    expect(passphraseSecretName(KEY)).not.toContain('id_locked');
  });

  it('passes a request without a remembered passphrase on unchanged', async () => {
    const { b } = wrapped();
    const req = scan({ identityFile: KEY });
    await b.startScan(req);
    expect(started).toEqual([req]);
  });

  it('stores a passphrase sent with rememberPassphrase encrypted, never in clear, and says so on scan-done', async () => {
    const { b, events } = wrapped();
    await b.startScan(scan({ identityFile: KEY, identityPassphrase: CANARY, rememberPassphrase: true }));
    // The backend gets the passphrase for this scan, not the flag.
    expect(started).toEqual([scan({ identityFile: KEY, identityPassphrase: CANARY })]);
    expect(e.safeStorage.encryptString).toHaveBeenCalledWith(CANARY);
    expect(readdirSync(dir)).toEqual([`${passphraseSecretName(KEY)}.secret`]);
    expect(diskText()).not.toContain(CANARY);
    expect(await store().read(passphraseSecretName(KEY))).toEqual(ok(CANARY));

    backend.emit({ type: 'scan-node', scanId: 'scan-1', node: 'n1', state: 'ok', message: '' });
    backend.emit({ type: 'scan-done', scanId: 'scan-1', sessionId: 's1' });
    expect(events).toEqual([
      { type: 'scan-node', scanId: 'scan-1', node: 'n1', state: 'ok', message: '' },
      { type: 'scan-done', scanId: 'scan-1', sessionId: 's1', notice: REMEMBERED_NOTICE },
    ]);
    expect(JSON.stringify(events)).not.toContain(CANARY);

    // The next scan without a passphrase finds it.
    await b.startScan(scan({ identityFile: KEY }));
    expect(started[1].ssh?.identityPassphrase).toBe(CANARY);
  });

  it('stores nothing when the passphrase is sent without rememberPassphrase', async () => {
    const { b } = wrapped();
    await b.startScan(scan({ identityFile: KEY, identityPassphrase: CANARY, rememberPassphrase: false }));
    expect(started).toEqual([scan({ identityFile: KEY, identityPassphrase: CANARY })]);
    expect(e.safeStorage.encryptString).not.toHaveBeenCalled();
    expect(existsSync(dir)).toBe(false);
  });

  it.each<[string, (s: ElectronStub) => void, NodeJS.Platform]>([
    ['Linux basic_text', (s) => void (s.safeStorage.backend = 'basic_text'), 'linux'],
    ['Linux with an unknown backend', (s) => void (s.safeStorage.backend = 'unknown'), 'linux'],
    ['no encryption at all', (s) => void (s.safeStorage.available = false), 'darwin'],
  ])('on %s refuses to store, still scans with the passphrase, and tells why on scan-done', async (_name, setUp, platform) => {
    setUp(e);
    const { b, events } = wrapped(platform);
    expect(await b.startScan(scan({ identityFile: KEY, identityPassphrase: CANARY, rememberPassphrase: true }))).toEqual(ok({ scanId: 'scan-1' }));
    expect(started).toEqual([scan({ identityFile: KEY, identityPassphrase: CANARY })]);
    expect(e.safeStorage.encryptString).not.toHaveBeenCalled();
    expect(existsSync(dir)).toBe(false);
    expect(diskText()).not.toContain(CANARY);
    backend.emit({ type: 'scan-done', scanId: 'scan-1', sessionId: null, error: { code: 'failed', message: 'x' } });
    const done = events.find((ev) => ev.type === 'scan-done');
    expect(done).toMatchObject({ scanId: 'scan-1', notice: expect.stringContaining(NO_KEYRING_MESSAGE) });
    expect(JSON.stringify(events)).not.toContain(CANARY);
  });

  it('does not look anything up without a keyring', async () => {
    e.safeStorage.backend = 'basic_text';
    const { b, events } = wrapped('linux');
    await b.startScan(scan({ identityFile: KEY }));
    expect(started).toEqual([scan({ identityFile: KEY })]);
    expect(e.safeStorage.decryptString).not.toHaveBeenCalled();
    backend.emit({ type: 'scan-done', scanId: 'scan-1', sessionId: 's1' });
    expect(events).toEqual([{ type: 'scan-done', scanId: 'scan-1', sessionId: 's1' }]);
  });

  it('scans without a passphrase and says so when the remembered one cannot be decrypted', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${passphraseSecretName(KEY)}.secret`), 'not ciphertext');
    const { b, events } = wrapped();
    await b.startScan(scan({ identityFile: KEY }));
    expect(started).toEqual([scan({ identityFile: KEY })]);
    backend.emit({ type: 'scan-done', scanId: 'scan-1', sessionId: 's1' });
    expect(events).toEqual([{ type: 'scan-done', scanId: 'scan-1', sessionId: 's1', notice: UNREADABLE_NOTICE }]);
  });

  it.each<[string, ScanRequest]>([
    ['a debug-pod scan', scan({ identityFile: KEY }, 'pod')],
    ['a scan without an identity file', scan({ user: 'core' })],
    ['a rescan without SSH settings', { context: 'prod', via: 'ssh', mergeInto: 's1', nodes: ['n1'] }],
  ])('leaves %s alone', async (_name, req) => {
    await store().save(passphraseSecretName(KEY), CANARY);
    const { b } = wrapped();
    await b.startScan(req);
    expect(started).toEqual([req]);
  });

  it('hands every other method and event to the backend as it is', async () => {
    const { b, events } = wrapped();
    expect(await b.openDemo()).toEqual(ok(SESSION));
    expect(backend.calls).toEqual([{ method: 'openDemo', arg: undefined }]);
    backend.emit({ type: 'progress', jobId: 'j', phase: 'scan', done: 1, total: 2 });
    expect(events).toEqual([{ type: 'progress', jobId: 'j', phase: 'scan', done: 1, total: 2 }]);
  });

  it('goes through dispatchApi: the schema accepts the passphrase fields and bounds the passphrase without echoing it', async () => {
    const { b } = wrapped();
    const r = await dispatchApi(b, 'startScan', scan({ identityFile: KEY, identityPassphrase: CANARY, rememberPassphrase: true }), {});
    expect(r).toEqual(ok({ scanId: 'scan-1' }));
    const long = `${CANARY}${'x'.repeat(2000)}`;
    const bad = await dispatchApi(b, 'startScan', scan({ identityFile: KEY, identityPassphrase: long }), {});
    expect(bad.ok ? 'ok' : bad.error.code).toBe('bad-request');
    expect(JSON.stringify(bad)).not.toContain(CANARY);
    expect(started).toHaveLength(1);
  });
});
