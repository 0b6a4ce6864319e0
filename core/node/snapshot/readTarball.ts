import { createReadStream } from 'node:fs';
import { Parser, type ReadEntry } from 'tar';
import { SnapshotError, type SnapshotLimits } from './snapshotLayout';

// Reads a snapshot archive (.tar.gz, .tgz or plain .tar) into memory, streaming, without ever
// touching the filesystem: nothing is extracted, so a hostile archive cannot write anywhere.
// Still, anything that would be dangerous when extracted (absolute paths, `..`, links, devices)
// is refused, so an archive that loads here is also safe to unpack with ordinary tools.

export interface TarContents {
  /** Normalised relative path -> UTF-8 text. */
  files: Map<string, string>;
  /** Directory entries (normalised), so empty node folders still count as nodes. */
  dirs: Set<string>;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

/** A safe relative path with `/` separators, or a reason it is not one. */
export function normaliseEntryPath(raw: string): { path: string } | { reason: string } {
  if (raw.includes('\0')) return { reason: 'contains a NUL byte' };
  if (raw.includes('\\')) return { reason: 'contains a backslash' };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return { reason: 'is an absolute path' };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { reason: 'contains a ".." segment' };
  if (parts.length === 0) return { path: '' };
  return { path: parts.join('/') };
}

export function readTarball(file: string, limits: SnapshotLimits): Promise<TarContents> {
  return new Promise<TarContents>((resolve, reject) => {
    const files = new Map<string, string>();
    const dirs = new Set<string>();
    let entries = 0;
    let total = 0;
    let settled = false;
    const input = createReadStream(file);
    // strict: a corrupt header or a truncated archive is an error, not a silently shorter snapshot.
    const parser = new Parser({ strict: true });

    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      input.destroy();
      parser.abort(err);
      reject(err instanceof SnapshotError ? err : new SnapshotError(`cannot read archive ${file}: ${err.message}`));
    };

    parser.on('entry', (entry: ReadEntry) => {
      if (settled) return void entry.resume();
      entries += 1;
      if (entries > limits.maxEntries) return fail(new SnapshotError(`archive ${file} has more than ${limits.maxEntries} entries`));
      const norm = normaliseEntryPath(entry.path);
      if ('reason' in norm) return fail(new SnapshotError(`unsafe entry ${JSON.stringify(entry.path)} in ${file}: ${norm.reason}`));
      if (entry.type === 'Directory') {
        if (norm.path !== '') dirs.add(norm.path);
        return void entry.resume();
      }
      if (!FILE_TYPES.has(entry.type)) {
        return fail(new SnapshotError(`unsupported entry ${JSON.stringify(entry.path)} in ${file}: ${entry.type} (only files and folders are allowed)`));
      }
      if (entry.size > limits.maxFileBytes) {
        return fail(new SnapshotError(`file ${norm.path} in ${file} is larger than ${limits.maxFileBytes} bytes`));
      }
      total += entry.size;
      if (total > limits.maxTotalBytes) return fail(new SnapshotError(`archive ${file} holds more than ${limits.maxTotalBytes} bytes`));
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        if (!settled) files.set(norm.path, Buffer.concat(chunks).toString('utf8'));
      });
    });
    parser.on('error', (err: Error) => fail(err));
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ files, dirs });
    });
    input.on('error', (err) => fail(err));
    input.pipe(parser);
  });
}
