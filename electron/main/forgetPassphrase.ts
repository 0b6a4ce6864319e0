import type { Api, ApiResult } from '../../core/common/contract';
import { ok } from '../../core/common/contract';
import { passphraseSecretName } from './scanSecrets';
import type { SecretStore } from './secrets';

// Forgetting a key passphrase the desktop app remembered (scanSecrets.ts stores it under a hash
// of the identity file's absolute path). The secret store's remove() does not say whether there
// was anything to remove, so the stored value is looked up first: present, or present but no
// longer decryptable (keyring changed), both count as "was remembered". Without a keyring nothing
// can have been remembered, but a file left from when there was one is removed all the same.
// The passphrase read here is never returned, logged or kept.

export function createForgetPassphrase(store: SecretStore): Api['forgetPassphrase'] {
  return async ({ identityFile }) => {
    const name = passphraseSecretName(identityFile);
    const stored = await store.read(name).catch((): ApiResult<string | null> => ({ ok: false, error: { code: 'failed', message: 'unreadable' } }));
    // 'failed' is an undecryptable file: it exists. 'unsupported' (no keyring): unknown, said as false.
    const existed = stored.ok ? stored.value !== null : stored.error.code === 'failed';
    const removed = await store.remove(name);
    if (!removed.ok) return removed;
    return ok(existed);
  };
}
