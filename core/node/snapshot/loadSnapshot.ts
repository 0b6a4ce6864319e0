import { lstat, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotData, SnapshotNode } from '../../common/model';
import { readTarball } from './readTarball';
import {
  assertValidName,
  CLUSTER_FILE,
  DEFAULT_LIMITS,
  NODES_DIR,
  notASnapshot,
  SnapshotError,
  sortNodes,
  assembleSnapshot,
  type SnapshotLimits,
} from './snapshotLayout';

/**
 * Loads a snapshot from a directory or an archive (.tar.gz / .tgz / .tar). An archive may wrap the
 * layout in one top-level folder; a directory may too (an unpacked archive). Throws SnapshotError
 * with the path in the message for anything wrong with the input.
 */
export async function loadSnapshot(path: string, limits: SnapshotLimits = DEFAULT_LIMITS): Promise<SnapshotData> {
  // stat, not lstat: the path the user typed may be a symlink; links *inside* are not followed.
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new SnapshotError(`snapshot not found: ${path}`);
    throw new SnapshotError(`cannot read snapshot ${path}: ${err.message}`);
  });
  if (st.isDirectory()) return loadDirectory(path, limits);
  if (st.isFile()) {
    if (!(await looksLikeArchive(path))) {
      throw new SnapshotError(`not a snapshot: ${path} is neither a directory nor a .tar.gz/.tgz archive`);
    }
    const { files, dirs } = await readTarball(path, limits);
    return assembleSnapshot(path, files, dirs);
  }
  throw new SnapshotError(`not a snapshot: ${path} is neither a directory nor a .tar.gz/.tgz archive`);
}

/** gzip magic, or a ustar header (plain tar); the extension alone proves nothing. */
async function looksLikeArchive(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(263);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
    return bytesRead >= 262 && buf.toString('latin1', 257, 262) === 'ustar';
  } finally {
    await fh.close();
  }
}

interface Budget {
  limits: SnapshotLimits;
  bytes: number;
  files: number;
}

async function loadDirectory(dir: string, limits: SnapshotLimits): Promise<SnapshotData> {
  let root = dir;
  if (!(await hasLayout(root))) {
    // An unpacked archive: one folder wrapping the layout.
    const entries = await readdir(root, { withFileTypes: true });
    const only = entries.length === 1 && entries[0].isDirectory() ? join(root, entries[0].name) : null;
    if (only === null || !(await hasLayout(only))) throw notASnapshot(dir);
    root = only;
  }
  const budget: Budget = { limits, bytes: 0, files: 0 };
  const clusterPath = join(root, CLUSTER_FILE);
  const clusterJson = (await isRegularFile(clusterPath)) ? await readBounded(clusterPath, budget, dir) : undefined;
  const nodes: SnapshotNode[] = [];
  const nodesDir = join(root, NODES_DIR);
  if (await isDirectory(nodesDir)) {
    for (const ent of await readdir(nodesDir, { withFileTypes: true })) {
      // Symlinks and stray files under nodes/ are skipped: a node is a real folder.
      if (!ent.isDirectory()) continue;
      assertValidName('node', ent.name, dir);
      const node: SnapshotNode = { name: ent.name, files: {} };
      for (const f of await readdir(join(nodesDir, ent.name), { withFileTypes: true })) {
        if (!f.isFile()) continue;
        assertValidName('file', f.name, dir);
        node.files[f.name] = await readBounded(join(nodesDir, ent.name, f.name), budget, dir);
      }
      nodes.push(node);
    }
  }
  return { source: dir, ...(clusterJson !== undefined ? { clusterJson } : {}), nodes: sortNodes(nodes) };
}

async function readBounded(file: string, budget: Budget, source: string): Promise<string> {
  const st = await lstat(file);
  budget.files += 1;
  if (budget.files > budget.limits.maxEntries) throw new SnapshotError(`snapshot ${source} has more than ${budget.limits.maxEntries} files`);
  if (st.size > budget.limits.maxFileBytes) throw new SnapshotError(`file ${file} is larger than ${budget.limits.maxFileBytes} bytes`);
  budget.bytes += st.size;
  if (budget.bytes > budget.limits.maxTotalBytes) throw new SnapshotError(`snapshot ${source} holds more than ${budget.limits.maxTotalBytes} bytes`);
  return readFile(file, 'utf8');
}

async function hasLayout(dir: string): Promise<boolean> {
  return (await isRegularFile(join(dir, CLUSTER_FILE))) || (await isDirectory(join(dir, NODES_DIR)));
}

async function isRegularFile(p: string): Promise<boolean> {
  return lstat(p).then((s) => s.isFile(), () => false);
}

async function isDirectory(p: string): Promise<boolean> {
  return lstat(p).then((s) => s.isDirectory(), () => false);
}
