import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotData } from '../../../core/common/model';
import { loadSnapshot } from '../../../core/node/snapshot/loadSnapshot';
import { packSnapshot, saveSnapshot } from '../../../core/node/snapshot/saveSnapshot';
import { invalidNameReason } from '../../../core/node/snapshot/snapshotLayout';

let tmp: string;
let n = 0;
const fresh = () => join(tmp, `s${++n}`);
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'proxyscope-save-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const SAMPLE: SnapshotData = {
  source: 'test',
  clusterJson: '{"kind":"List","items":[]}',
  nodes: [
    { name: 'a', files: { 'iptables-save.txt': '*nat\nCOMMIT\n', 'node.json': '{"x":"é✓"}' } },
    { name: 'b', files: {} },
  ],
};

describe('saveSnapshot', () => {
  it('writes a layout that loadSnapshot reads back identically', async () => {
    const dir = fresh();
    await saveSnapshot(SAMPLE, dir);
    expect(await loadSnapshot(dir)).toEqual({ ...SAMPLE, source: dir });
  });

  it('writes files readable by the owner only', async () => {
    const dir = fresh();
    await saveSnapshot(SAMPLE, dir);
    expect((await stat(join(dir, 'cluster.json'))).mode & 0o077).toBe(0);
    expect((await stat(join(dir, 'nodes', 'a', 'iptables-save.txt'))).mode & 0o077).toBe(0);
  });

  it('refuses to write into a folder that is not empty', async () => {
    const dir = fresh();
    await mkdir(dir);
    await writeFile(join(dir, 'keep.txt'), 'x');
    await expect(saveSnapshot(SAMPLE, dir)).rejects.toThrow(/not empty/);
  });

  const badNames: [string, SnapshotData][] = [
    ['a node name with a slash', { source: 't', nodes: [{ name: '../x', files: {} }] }],
    ['a file name with a slash', { source: 't', nodes: [{ name: 'n', files: { '../../x': '' } }] }],
  ];
  it.each(badNames)('refuses %s before writing anything', async (_n, data) => {
    const dir = fresh();
    await expect(saveSnapshot(data, dir)).rejects.toThrow(/invalid (node|file) name/);
    await expect(readdir(dir)).rejects.toThrow();
  });
});

describe('packSnapshot', () => {
  it('packs a saved snapshot into a .tar.gz that loads back identically', async () => {
    const dir = fresh();
    await saveSnapshot(SAMPLE, dir);
    const out = join(tmp, `p${n}.tar.gz`);
    await packSnapshot(dir, out);
    expect(await loadSnapshot(out)).toEqual({ ...SAMPLE, source: out });
    expect((await readdir(tmp)).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('refuses a folder that is not a snapshot', async () => {
    const dir = fresh();
    await mkdir(dir);
    await expect(packSnapshot(dir, join(tmp, 'x.tgz'))).rejects.toThrow(/not a snapshot/);
  });
});

describe('save / pack / load round trip', () => {
  const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/).filter((s) => invalidNameReason(s) === null);
  const snapshot = fc.record({
    clusterJson: fc.option(fc.string(), { nil: undefined }),
    nodes: fc.uniqueArray(fc.record({ name, files: fc.dictionary(name, fc.string({ unit: 'binary', maxLength: 200 }), { maxKeys: 3 }) }), {
      selector: (x) => x.name,
      maxLength: 4,
    }),
  });

  it('keeps every node, file name and content (well-formed Unicode)', async () => {
    await fc.assert(
      fc.asyncProperty(snapshot, async (s) => {
        const data: SnapshotData = { source: 'p', ...(s.clusterJson !== undefined ? { clusterJson: s.clusterJson } : {}), nodes: s.nodes };
        if (data.clusterJson === undefined && data.nodes.length === 0) return;
        const dir = fresh();
        await saveSnapshot(data, dir);
        const out = `${dir}.tgz`;
        await packSnapshot(dir, out);
        const back = await loadSnapshot(out);
        const sorted = [...data.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const wellFormed = (t: string) => Buffer.from(t, 'utf8').toString('utf8');
        expect(back.clusterJson).toBe(data.clusterJson === undefined ? undefined : wellFormed(data.clusterJson));
        expect(back.nodes.map((x) => x.name)).toEqual(sorted.map((x) => x.name));
        back.nodes.forEach((node, i) => {
          expect(node.files).toEqual(Object.fromEntries(Object.entries(sorted[i].files).map(([k, v]) => [k, wellFormed(v)])));
        });
      }),
      { numRuns: 25, seed: 42 },
    );
  });
});
