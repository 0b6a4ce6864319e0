import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotData } from '../../../core/common/model';

// Writes a snapshot in the on-disk layout Proxyscope reads (core/node/snapshot/snapshotLayout.ts):
//   cluster.json
//   nodes/<node>/<file>   e.g. iptables-save.txt

export function writeSnapshotDir(dir: string, snapshot: Pick<SnapshotData, 'clusterJson' | 'nodes'>): void {
  mkdirSync(dir, { recursive: true });
  if (snapshot.clusterJson !== undefined) writeFileSync(join(dir, 'cluster.json'), snapshot.clusterJson);
  for (const node of snapshot.nodes) {
    const nodeDir = join(dir, 'nodes', node.name);
    mkdirSync(nodeDir, { recursive: true });
    for (const [file, text] of Object.entries(node.files)) writeFileSync(join(nodeDir, file), text);
  }
}
