import type { BrowserWindow, BrowserWindowConstructorOptions, Dialog, Shell } from 'electron';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Api, ApiResult, ExportedFile, SessionInfo } from '../../core/common/contract';
import { fail, ok } from '../../core/common/contract';
import type { Backend } from '../../core/node/app/backendTypes';
import type { TerminalHub } from '../../core/node/terminal/terminalHub';
import { packSnapshot } from '../../core/node/snapshot/saveSnapshot';
import type { PtyHost } from './pty/ptyHost';
import { createForgetPassphrase } from './forgetPassphrase';
import type { SecretStore } from './secrets';
import { htmlToPdf } from './pdf';
import { confirmAndOpenExternal } from './window';

// The Api methods only the desktop runtime has: appInfo, native open/save dialogs, PDF export,
// opening links in the browser, terminals, and forgetting a remembered key passphrase. dispatchApi (core/node/app/dispatch.ts) routes
// them here after the argument passed its schema; everything else goes to the shared backend.

export type NativeMethod =
  | 'appInfo'
  | 'openSnapshotDialog'
  | 'saveFileDialog'
  | 'exportPdf'
  | 'openExternal'
  | 'openTerminal'
  | 'terminalInput'
  | 'terminalResize'
  | 'closeTerminal'
  | 'forgetPassphrase';

export type NativeApi = Pick<Api, NativeMethod>;

export interface NativeDeps {
  version: string;
  backend: Backend;
  pty: PtyHost;
  /**
   * Debug-pod terminals (core/node/terminal/terminalHub.ts), created with the same event sender
   * as the pty host. Without it, openTerminal with via 'pod' answers `unsupported`.
   */
  podTerminals?: TerminalHub;
  /** The app window (dialog parent), or null while there is none. */
  window: () => BrowserWindow | null;
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog' | 'showMessageBox'>;
  shell: Pick<Shell, 'openExternal'>;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  platform?: NodeJS.Platform;
  tmpDir?: string;
  /** Where scans remember key passphrases (scanSecrets.ts); without it forgetPassphrase is `unsupported`. */
  secrets?: SecretStore;
}

/** Largest snapshot the open dialog reads: its base64 (4/3 larger) must stay under the upload schema's 360 MiB. */
export const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** A file name suggestion from the backend, reduced to one harmless path component. */
export function safeFileName(name: string, fallback: string): string {
  const cleaned = basename(name.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 200);
  return cleaned.length > 0 ? cleaned : fallback;
}

export function createNativeApi(deps: NativeDeps): NativeApi {
  const platform = deps.platform ?? process.platform;
  const tmp = deps.tmpDir ?? tmpdir();
  const forget = deps.secrets ? createForgetPassphrase(deps.secrets) : null;

  async function showSave(defaultName: string, filters: { name: string; extensions: string[] }[]): Promise<string | null> {
    const win = deps.window();
    const options = { title: 'Save', defaultPath: defaultName, filters, properties: ['createDirectory', 'showOverwriteConfirmation'] as ('createDirectory' | 'showOverwriteConfirmation')[] };
    const r = win ? await deps.dialog.showSaveDialog(win, options) : await deps.dialog.showSaveDialog(options);
    return r.canceled || !r.filePath ? null : r.filePath;
  }

  /** Reads a picked snapshot (a .tar.gz, or on macOS a folder, packed first) into the backend. */
  async function importPath(path: string): Promise<ApiResult<SessionInfo>> {
    const info = await stat(path);
    if (info.isDirectory()) {
      const dir = await mkdtemp(join(tmp, 'proxyscope-open-'));
      try {
        const packed = join(dir, 'snapshot.tar.gz');
        await packSnapshot(path, packed);
        return await importFile(packed, `${basename(path)}.tar.gz`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return importFile(path, basename(path));
  }

  async function importFile(path: string, fileName: string): Promise<ApiResult<SessionInfo>> {
    const info = await stat(path);
    if (!info.isFile()) return fail('invalid-snapshot', 'That is not a snapshot file.');
    if (info.size > MAX_SNAPSHOT_BYTES) return fail('invalid-snapshot', 'The snapshot is larger than 256 MiB.');
    const data = await readFile(path);
    return deps.backend.importSnapshot({ fileName, dataBase64: data.toString('base64') });
  }

  return {
    async appInfo() {
      return ok({ version: deps.version, runtime: 'electron' as const, terminals: true, nativeDialogs: true });
    },

    async openSnapshotDialog() {
      const win = deps.window();
      const options = {
        title: 'Open snapshot',
        // Windows and Linux cannot offer files and folders in one dialog; there it is the .tar.gz.
        properties: (platform === 'darwin' ? ['openFile', 'openDirectory'] : ['openFile']) as ('openFile' | 'openDirectory')[],
        filters: [{ name: 'Proxyscope snapshot', extensions: ['gz', 'tgz'] }],
      };
      const r = win ? await deps.dialog.showOpenDialog(win, options) : await deps.dialog.showOpenDialog(options);
      const picked = r.filePaths[0];
      if (r.canceled || !picked) return ok(null);
      try {
        return await importPath(picked);
      } catch (err) {
        return fail('invalid-snapshot', `Could not read ${basename(picked)}: ${message(err)}`);
      }
    },

    async saveFileDialog({ file }) {
      return saveExported(file);
    },

    async exportPdf({ sessionId }) {
      const report = await deps.backend.exportReport({ sessionId, format: 'html' });
      if (!report.ok) return report;
      const pdf = await htmlToPdf(deps.BrowserWindow, report.value.data, tmp);
      const base = safeFileName(report.value.fileName, 'proxyscope-report.html').replace(/\.html?$/i, '');
      const target = await showSave(`${base}.pdf`, [{ name: 'PDF', extensions: ['pdf'] }]);
      if (!target) return ok(null);
      await writeFile(target, pdf, { mode: 0o644 });
      return ok(target);
    },

    async openExternal({ url }) {
      const r = await confirmAndOpenExternal(deps, deps.window(), url);
      if (r.refused) return fail('bad-request', r.refused);
      return ok(r.opened);
    },

    // SSH terminals live in the pty host, debug-pod terminals in the hub; the id says which.
    async openTerminal(req) {
      if (req.via === 'pod') return deps.podTerminals ? deps.podTerminals.open(req) : fail('unsupported', 'Debug-pod terminals are not available in this build.');
      const target = deps.backend.terminalTarget(req);
      if (!target.ok) return target;
      return deps.pty.open(target.value, req.cols, req.rows);
    },
    async terminalInput({ terminalId, data }) {
      const pods = deps.podTerminals;
      return pods?.has(terminalId) ? pods.input(terminalId, data) : deps.pty.input(terminalId, data);
    },
    async terminalResize({ terminalId, cols, rows }) {
      const pods = deps.podTerminals;
      return pods?.has(terminalId) ? pods.resize(terminalId, cols, rows) : deps.pty.resize(terminalId, cols, rows);
    },
    async closeTerminal({ terminalId }) {
      const pods = deps.podTerminals;
      return pods?.has(terminalId) ? pods.close(terminalId) : deps.pty.close(terminalId);
    },

    async forgetPassphrase(req) {
      return forget ? forget(req) : fail('unsupported', 'Key passphrases are not remembered in this build.');
    },
  };

  async function saveExported(file: ExportedFile): Promise<ApiResult<string | null>> {
    const name = safeFileName(file.fileName, 'proxyscope-export');
    const ext = /\.([A-Za-z0-9]+(?:\.gz)?)$/.exec(name)?.[1];
    const target = await showSave(name, ext ? [{ name: ext.toUpperCase(), extensions: [ext.replace(/^tar\./, '')] }] : []);
    if (!target) return ok(null);
    await writeFile(target, Buffer.from(file.data, file.encoding === 'base64' ? 'base64' : 'utf8'), { mode: 0o644 });
    return ok(target);
  }
}
