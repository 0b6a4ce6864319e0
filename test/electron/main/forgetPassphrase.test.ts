import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SafeStorage } from 'electron';
import { fail, ok } from '../../../core/common/contract';
import { dispatchApi } from '../../../core/node/app/dispatch';
import { createForgetPassphrase } from '../../../electron/main/forgetPassphrase';
import { passphraseSecretName, prepareScanRequest } from '../../../electron/main/scanSecrets';
import { createSecretStore } from '../../../electron/main/secrets';
import type { SecretStore } from '../../../electron/main/secrets';
import type { ElectronStub } from '../electronStub';
import { asElectron, createElectronStub } from '../electronStub';
import { fakeBackend } from '../fakeBackend';

// Forgetting a remembered key passphrase: the secret file goes, the answer says whether there was
// one, and only a well-formed request reaches the store (dispatchApi, the path both transports take).

const KEY = '/home/u/.ssh/id_locked';
const CANARY = 'canary-forget-7b1d';

let e: ElectronStub;
let dir: string;
let store: SecretStore;
const fileOf = (identityFile: string): string => join(dir, `${passphraseSecretName(identityFile)}.secret`);

beforeEach(() => {
  e = createElectronStub();
  dir = join(mkdtempSync(join(tmpdir(), 'proxyscope-forget-')), 'secrets');
  store = createSecretStore(asElectron<SafeStorage>(e.safeStorage), dir, 'linux');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

describe('createForgetPassphrase', () => {
  it('removes the remembered passphrase of that key, answers true, and later scans no longer get it', async () => {
    await prepareScanRequest({ context: 'c', via: 'ssh', ssh: { identityFile: KEY, identityPassphrase: CANARY, rememberPassphrase: true } }, store);
    expect(existsSync(fileOf(KEY))).toBe(true);

    expect(await createForgetPassphrase(store)({ identityFile: KEY })).toEqual(ok(true));
    expect(existsSync(fileOf(KEY))).toBe(false);
    const next = await prepareScanRequest({ context: 'c', via: 'ssh', ssh: { identityFile: KEY } }, store);
    expect(next.req.ssh?.identityPassphrase).toBeUndefined();
  });

  it('leaves the passphrases of other keys alone', async () => {
    await store.save(passphraseSecretName(KEY), CANARY);
    await store.save(passphraseSecretName('/k/other'), CANARY);
    expect(await createForgetPassphrase(store)({ identityFile: KEY })).toEqual(ok(true));
    expect(readdirSync(dir)).toEqual([`${passphraseSecretName('/k/other')}.secret`]);
  });

  type Case = [string, (() => void) | null, boolean];
  const cases: Case[] = [
    ['nothing was remembered for the key', null, false],
    [
      'the stored file no longer decrypts (keyring changed)',
      () => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(fileOf(KEY), 'not-ciphertext');
      },
      true,
    ],
    [
      'there is no keyring now but a file is left from when there was one',
      () => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(fileOf(KEY), 'ENC1xx');
        e.safeStorage.backend = 'basic_text';
      },
      false,
    ],
  ];
  it.each(cases)('when %s: no file is left and the answer is %s', async (_name, arrange, expected) => {
    arrange?.();
    expect(await createForgetPassphrase(store)({ identityFile: KEY })).toEqual(ok(expected));
    expect(existsSync(fileOf(KEY))).toBe(false);
  });

  it('never returns the passphrase it looked up', async () => {
    await store.save(passphraseSecretName(KEY), CANARY);
    expect(JSON.stringify(await createForgetPassphrase(store)({ identityFile: KEY }))).not.toContain(CANARY);
  });
});

describe('forgetPassphrase through dispatchApi', () => {
  const extra = () => ({ forgetPassphrase: createForgetPassphrase(store) });

  it('forgets a well-formed request', async () => {
    await store.save(passphraseSecretName(KEY), CANARY);
    expect(await dispatchApi(fakeBackend(), 'forgetPassphrase', { identityFile: KEY }, extra())).toEqual(ok(true));
    expect(existsSync(fileOf(KEY))).toBe(false);
  });

  const bad: [string, unknown][] = [
    ['no argument', undefined],
    ['no identity file', {}],
    ['an empty path', { identityFile: '' }],
    ['a path over 4096 characters', { identityFile: `/${'x'.repeat(4096)}` }],
    ['a path that is not a string', { identityFile: 7 }],
    ['an extra key', { identityFile: KEY, passphrase: CANARY }],
  ];
  it.each(bad)('rejects %s without touching the store', async (_name, arg) => {
    await store.save(passphraseSecretName(KEY), CANARY);
    const r = await dispatchApi(fakeBackend(), 'forgetPassphrase', arg, extra());
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(JSON.stringify(r)).not.toContain(CANARY);
    expect(existsSync(fileOf(KEY))).toBe(true);
  });

  it('is unsupported where the runtime does not provide it (the browser)', async () => {
    expect(await dispatchApi(fakeBackend(), 'forgetPassphrase', { identityFile: KEY }, {})).toMatchObject(fail('unsupported', 'forgetPassphrase is not available in this runtime'));
  });
});
