import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SafeStorage } from 'electron';
import { NO_KEYRING_MESSAGE, createSecretStore } from '../../../electron/main/secrets';
import type { ElectronStub } from '../electronStub';
import { asElectron, createElectronStub } from '../electronStub';

// Secrets are only ever written encrypted by safeStorage, and not at all without a real keyring.

let e: ElectronStub;
let dir: string;
const SECRET = 'hunter2-passphrase';

beforeEach(() => {
  e = createElectronStub();
  dir = join(mkdtempSync(join(tmpdir(), 'proxyscope-secrets-')), 'store');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const store = (platform: NodeJS.Platform = 'linux') => createSecretStore(asElectron<SafeStorage>(e.safeStorage), dir, platform);

describe('createSecretStore', () => {
  it('stores a secret encrypted (never the plaintext) with owner-only permissions and reads it back', async () => {
    const s = store();
    expect(await s.save('ssh-passphrase', SECRET)).toEqual({ ok: true, value: true });
    const file = join(dir, 'ssh-passphrase.secret');
    const bytes = readFileSync(file);
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(e.safeStorage.encryptString).toHaveBeenCalledWith(SECRET);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);
    expect(await s.read('ssh-passphrase')).toEqual({ ok: true, value: SECRET });
    expect(readdirSync(dir)).toEqual(['ssh-passphrase.secret']);
  });

  it.each(['basic_text', 'unknown'])('refuses to store anything on Linux when the backend is %s', async (backend) => {
    e.safeStorage.backend = backend;
    const s = store('linux');
    expect(s.available()).toEqual({ ok: false, reason: NO_KEYRING_MESSAGE });
    const r = await s.save('ssh-passphrase', SECRET);
    expect(r).toEqual({ ok: false, error: { code: 'unsupported', message: NO_KEYRING_MESSAGE } });
    expect(e.safeStorage.encryptString).not.toHaveBeenCalled();
    expect(existsSync(dir)).toBe(false);
    expect((await s.read('ssh-passphrase')).ok).toBe(false);
  });

  it('refuses when encryption is unavailable at all', async () => {
    e.safeStorage.available = false;
    const r = await store('darwin').save('x', SECRET);
    expect(r.ok).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('does not consult the Linux backend on other platforms', async () => {
    e.safeStorage.backend = 'basic_text';
    expect((await store('win32').save('x', SECRET)).ok).toBe(true);
  });

  it.each(['../escape', 'a/b', '', 'A'.repeat(80), '.hidden'])('refuses the secret name %j', async (name) => {
    const r = await store().save(name, SECRET);
    expect(r.ok ? 'ok' : r.error.code).toBe('bad-request');
  });

  it('reads a missing secret as null and removes secrets', async () => {
    const s = store();
    expect(await s.read('nothing')).toEqual({ ok: true, value: null });
    await s.save('k', SECRET);
    await s.remove('k');
    expect(await s.read('k')).toEqual({ ok: true, value: null });
  });
});
