import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { ApiEvent, ApiResult, ScanRequest } from '../../core/common/contract';
import type { Backend } from '../../core/node/app/backendTypes';
import type { SecretStore } from './secrets';

// SSH key passphrases for scans started from the desktop app (issue 4: encrypted keys; issue 5:
// secrets only through safeStorage). Before startScan reaches the backend: a request with an
// identity file and no passphrase gets the one remembered for that file (if any); a passphrase
// sent with `rememberPassphrase` is stored through the secret store, which refuses when the OS
// has no real keyring (Linux basic_text). Either way the scan runs; what happened to the
// passphrase is told on that scan's scan-done event (`notice`). Passphrases are never logged
// and never part of a notice. `proxyscope serve` has no such wrapper: there a passphrase is used
// for its scan and never stored.

/** The secret store name of an identity file's passphrase: a hash of its absolute path. */
export function passphraseSecretName(identityFile: string): string {
  return `ssh-passphrase-${createHash('sha256').update(resolve(identityFile)).digest('hex').slice(0, 40)}`;
}

export const REMEMBERED_NOTICE = 'The key passphrase is remembered in the OS keychain for later scans.';
export const notRememberedNotice = (why: string): string => `The key passphrase was used for this scan but not remembered: ${why}`;
export const UNREADABLE_NOTICE = 'A remembered key passphrase could not be read from the OS keychain (it may have changed); enter it again.';

/** The request the backend runs (the remember flag dropped) and what to tell the user. */
export async function prepareScanRequest(req: ScanRequest, store: SecretStore): Promise<{ req: ScanRequest; notice?: string }> {
  const ssh = req.ssh;
  if (req.via !== 'ssh' || !ssh || ssh.identityFile === undefined) return { req: withoutRemember(req) };
  const name = passphraseSecretName(ssh.identityFile);
  if (ssh.identityPassphrase !== undefined) {
    if (ssh.rememberPassphrase !== true) return { req: withoutRemember(req) };
    const can = store.available();
    if (!can.ok) return { req: withoutRemember(req), notice: notRememberedNotice(can.reason) };
    const saved = await store.save(name, ssh.identityPassphrase).catch((): ApiResult<true> => ({ ok: false, error: { code: 'failed', message: 'the secret file could not be written' } }));
    return { req: withoutRemember(req), notice: saved.ok ? REMEMBERED_NOTICE : notRememberedNotice(saved.error.message) };
  }
  // Nothing can have been remembered without a keyring: no lookup, nothing to say.
  if (!store.available().ok) return { req: withoutRemember(req) };
  const stored = await store.read(name).catch((): ApiResult<string | null> => ({ ok: false, error: { code: 'failed', message: 'unreadable' } }));
  if (!stored.ok) return { req: withoutRemember(req), notice: UNREADABLE_NOTICE };
  if (stored.value === null) return { req: withoutRemember(req) };
  const { rememberPassphrase: _r, ...rest } = ssh;
  return { req: { ...req, ssh: { ...rest, identityPassphrase: stored.value } } };
}

function withoutRemember(req: ScanRequest): ScanRequest {
  if (req.ssh?.rememberPassphrase === undefined) return req;
  const { rememberPassphrase: _r, ...ssh } = req.ssh;
  return { ...req, ssh };
}

/** Notices kept for scans whose scan-done never came (bounded; the oldest go first). */
const MAX_PENDING = 64;

/**
 * `backend` with startScan going through prepareScanRequest and the notice added to that scan's
 * scan-done event (for listeners registered through the returned backend's onEvent).
 */
export function withScanSecrets(backend: Backend, store: SecretStore): Backend {
  const notices = new Map<string, string>();

  const startScan: Backend['startScan'] = async (req) => {
    const prepared = await prepareScanRequest(req, store);
    const r = await backend.startScan(prepared.req);
    if (r.ok && prepared.notice !== undefined) {
      notices.set(r.value.scanId, prepared.notice);
      if (notices.size > MAX_PENDING) notices.delete(notices.keys().next().value as string);
    }
    return r;
  };

  // Every listener sees the same notice; it is dropped once the listeners of that event ran.
  const withNotice = (e: ApiEvent): ApiEvent => {
    if (e.type !== 'scan-done') return e;
    const notice = notices.get(e.scanId);
    if (notice === undefined) return e;
    queueMicrotask(() => notices.delete(e.scanId));
    return { ...e, notice };
  };
  const onEvent: Backend['onEvent'] = (listener) => backend.onEvent((e) => listener(withNotice(e)));

  // Everything else is the backend's own (bound, so `this` inside it stays the backend).
  return new Proxy(backend, {
    get(target, prop) {
      if (prop === 'startScan') return startScan;
      if (prop === 'onEvent') return onEvent;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
