import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { create } from 'tar';
import type { SnapshotData } from '../../common/model';
import { assertValidName, CLUSTER_FILE, NODES_DIR, SnapshotError } from './snapshotLayout';

// Writes the snapshot layout that loadSnapshot reads. Snapshots describe a cluster's internals,
// so files are private to the user (0600 / 0700).

/** Writes `data` under `dir` (created if needed; refused when it exists and is not empty). */
export async function saveSnapshot(data: SnapshotData, dir: string): Promise<void> {
  for (const node of data.nodes) {
    assertValidName('node', node.name, 'snapshot to save');
    for (const f of Object.keys(node.files)) assertValidName('file', f, `node ${node.name}`);
  }
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  if (existing.length > 0) throw new SnapshotError(`refusing to write a snapshot into ${dir}: the folder is not empty`);
  await mkdir(join(dir, NODES_DIR), { recursive: true, mode: 0o700 });
  if (data.clusterJson !== undefined) await writeFile(join(dir, CLUSTER_FILE), data.clusterJson, { mode: 0o600 });
  for (const node of data.nodes) {
    const nodeDir = join(dir, NODES_DIR, node.name);
    await mkdir(nodeDir, { mode: 0o700 });
    for (const [name, text] of Object.entries(node.files)) await writeFile(join(nodeDir, name), text, { mode: 0o600 });
  }
}

/**
 * Packs a snapshot folder into a .tar.gz with the layout at the archive root. Written to a
 * temporary name first, so a crash never leaves a truncated archive under the final name.
 */
export async function packSnapshot(dir: string, outFile: string): Promise<void> {
  const top = await readdir(dir);
  const members = [CLUSTER_FILE, NODES_DIR].filter((m) => top.includes(m));
  if (members.length === 0) throw new SnapshotError(`not a snapshot: ${dir} has neither ${CLUSTER_FILE} nor a ${NODES_DIR}/ folder`);
  const tmp = join(dirname(outFile), `.${basename(outFile)}.${process.pid}.tmp`);
  try {
    // portable: no uid/gid/user names of the machine that packed it.
    await create({ gzip: true, file: tmp, cwd: dir, portable: true, mode: 0o600 }, members);
    await rename(tmp, outFile);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
