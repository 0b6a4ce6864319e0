import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiResult, ExportedFile } from '../../common/contract';
import { fail, ok } from '../../common/contract';
import type { SnapshotData } from '../../common/model';
import { SNAPSHOT_MIME, snapshotFileName } from '../../common/views/exportNames';
import { loadSnapshot } from '../snapshot/loadSnapshot';
import { packSnapshot, saveSnapshot } from '../snapshot/saveSnapshot';
import { DEFAULT_LIMITS } from '../snapshot/snapshotLayout';
import { safeMessage } from './apiGuard';

// Snapshots crossing the app boundary as bytes: an uploaded .tar.gz is written to a private
// temporary file (0600 in a 0700 folder), read by loadSnapshot (which enforces the size limits and
// refuses path tricks) and removed at once; an export is saved and packed in a temporary folder
// and read back as base64. Messages name the uploaded file, never the temporary path or bytes.

export interface TempRoot {
  /** A fresh private folder under the backend's temp root. */
  dir(prefix: string): Promise<string>;
  remove(): Promise<void>;
}

export function createTempRoot(base: string | undefined): TempRoot {
  let root: Promise<string> | null = null;
  const get = (): Promise<string> => (root ??= mkdtemp(join(base ?? tmpdir(), 'proxyscope-app-')));
  return {
    async dir(prefix) {
      return mkdtemp(join(await get(), prefix));
    },
    async remove() {
      if (root === null) return;
      const r = await root.catch(() => null);
      root = null;
      if (r !== null) await rm(r, { recursive: true, force: true });
    },
  };
}

const ARCHIVE_NAME = /\.(tar\.gz|tgz)$/i;

/** Decodes, checks and loads an uploaded snapshot archive. */
export async function loadUploadedSnapshot(temp: TempRoot, fileName: string, dataBase64: string): Promise<ApiResult<SnapshotData>> {
  const shown = JSON.stringify(fileName);
  if (!ARCHIVE_NAME.test(fileName)) return fail('invalid-snapshot', `${shown} is not a snapshot archive: choose a .tar.gz or .tgz file`);
  const bytes = decodeBase64(dataBase64);
  if (bytes === null) return fail('invalid-snapshot', `${shown} did not arrive intact (the upload is not valid base64)`);
  if (bytes.length === 0) return fail('invalid-snapshot', `${shown} is empty`);
  if (bytes.length > DEFAULT_LIMITS.maxTotalBytes) return fail('invalid-snapshot', `${shown} is larger than ${DEFAULT_LIMITS.maxTotalBytes} bytes`);
  const dir = await temp.dir('import-');
  const path = join(dir, `${randomUUID()}.tar.gz`);
  try {
    await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
    try {
      const snapshot = await loadSnapshot(path);
      return ok({ ...snapshot, source: fileName });
    } catch (err) {
      const why = safeMessage(err).split(path).join(fileName).split(dir).join('.');
      return fail('invalid-snapshot', `${shown} is not a usable snapshot: ${why}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Buffer.from ignores characters outside the alphabet: compare lengths to notice them. */
function decodeBase64(text: string): Buffer | null {
  const s = text.replace(/[\r\n]/g, '');
  const bytes = Buffer.from(s, 'base64');
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const expected = Math.floor((s.length * 3) / 4) - padding;
  if (s.length % 4 === 1 || bytes.length !== expected) return null;
  return bytes;
}

/** The session's snapshot as a .tar.gz, base64. */
export async function exportSnapshotArchive(temp: TempRoot, snapshot: SnapshotData, source: string): Promise<ExportedFile> {
  const dir = await temp.dir('export-');
  try {
    const tree = join(dir, 'snapshot');
    const archive = join(dir, 'snapshot.tar.gz');
    await saveSnapshot(snapshot, tree);
    await packSnapshot(tree, archive);
    const data = (await readFile(archive)).toString('base64');
    return { fileName: snapshotFileName(source), mime: SNAPSHOT_MIME, data, encoding: 'base64' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
