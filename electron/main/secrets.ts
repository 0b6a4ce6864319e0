import type { SafeStorage } from 'electron';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiResult } from '../../core/common/contract';
import { fail, ok } from '../../core/common/contract';

// Secrets (SSH key passphrases, tokens a person chooses to remember) are stored only encrypted by
// the OS keyring through Electron's safeStorage. On Linux without a keyring safeStorage falls back
// to `basic_text`, a hard-coded key that protects nothing: then we refuse to store anything and
// say why, rather than writing what amounts to plaintext. No code path writes a secret unencrypted.

export interface SecretStore {
  /** Whether secrets can be stored here; the reason when not. */
  available(): { ok: true } | { ok: false; reason: string };
  save(name: string, value: string): Promise<ApiResult<true>>;
  /** null when nothing is stored under `name`. */
  read(name: string): Promise<ApiResult<string | null>>;
  remove(name: string): Promise<ApiResult<true>>;
}

export const NO_KEYRING_MESSAGE =
  'No OS keyring is available (on Linux: GNOME Keyring/libsecret or KWallet), so Proxyscope will not remember secrets; ' +
  'without a keyring they could only be stored in plain text. Enter them each time, or start a keyring.';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function createSecretStore(
  safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>,
  dir: string,
  platform: NodeJS.Platform = process.platform,
): SecretStore {
  const available: SecretStore['available'] = () => {
    if (!safeStorage.isEncryptionAvailable()) return { ok: false, reason: NO_KEYRING_MESSAGE };
    if (platform === 'linux') {
      const backend = safeStorage.getSelectedStorageBackend();
      if (backend === 'basic_text' || backend === 'unknown') return { ok: false, reason: NO_KEYRING_MESSAGE };
    }
    return { ok: true };
  };
  const fileOf = (name: string): string | null => (NAME.test(name) ? join(dir, `${name}.secret`) : null);

  return {
    available,
    async save(name, value) {
      const can = available();
      if (!can.ok) return fail('unsupported', can.reason);
      const file = fileOf(name);
      if (!file) return fail('bad-request', 'Invalid secret name.');
      const encrypted = safeStorage.encryptString(value);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, encrypted, { mode: 0o600 });
      await rename(tmp, file);
      return ok(true);
    },
    async read(name) {
      const can = available();
      if (!can.ok) return fail('unsupported', can.reason);
      const file = fileOf(name);
      if (!file) return fail('bad-request', 'Invalid secret name.');
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return ok(null);
        throw err;
      }
      try {
        return ok(safeStorage.decryptString(data));
      } catch {
        return fail('failed', 'A stored secret could not be decrypted (the keyring changed?); enter it again.');
      }
    },
    async remove(name) {
      const file = fileOf(name);
      if (!file) return fail('bad-request', 'Invalid secret name.');
      await rm(file, { force: true });
      return ok(true);
    },
  };
}
