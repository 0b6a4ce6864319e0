import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../../core/node/snapshot/loadSnapshot';
import { DEFAULT_LIMITS, invalidNameReason } from '../../../core/node/snapshot/snapshotLayout';
import { normaliseEntryPath } from '../../../core/node/snapshot/readTarball';
import { rawTar, rawTarGz, type RawEntry } from './rawTar';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'proxyscope-load-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
async function writeTmp(name: string, data: Buffer | string): Promise<string> {
  const p = join(tmp, `${++counter}-${name}`);
  await writeFile(p, data);
  return p;
}

async function makeDir(files: Record<string, string>): Promise<string> {
  const dir = join(tmp, `dir-${++counter}`);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

const LAYOUT: Record<string, string> = {
  'cluster.json': '{"kind":"List","items":[]}',
  'nodes/n2/iptables-save.txt': '*nat\nCOMMIT\n',
  'nodes/n1/iptables-save.txt': '*filter\nCOMMIT\n',
  'nodes/n1/node.json': '{}',
  'nodes/n1/nft.json': '{"nftables":[]}',
};

const entriesOf = (files: Record<string, string>, prefix = ''): RawEntry[] =>
  Object.entries(files).map(([path, body]) => ({ path: prefix + path, body }));

describe('loadSnapshot from a directory', () => {
  it('reads cluster.json and every file of every node, nodes sorted by name', async () => {
    const snap = await loadSnapshot(await makeDir(LAYOUT));
    expect(snap.clusterJson).toBe(LAYOUT['cluster.json']);
    expect(snap.nodes.map((n) => n.name)).toEqual(['n1', 'n2']);
    expect(snap.nodes[0].files).toEqual({ 'iptables-save.txt': '*filter\nCOMMIT\n', 'node.json': '{}', 'nft.json': '{"nftables":[]}' });
  });

  it('accepts a folder wrapping the layout (an unpacked archive)', async () => {
    const dir = await makeDir(Object.fromEntries(Object.entries(LAYOUT).map(([k, v]) => [`snap-2025/${k}`, v])));
    const snap = await loadSnapshot(dir);
    expect(snap.nodes.map((n) => n.name)).toEqual(['n1', 'n2']);
    expect(snap.source).toBe(dir);
  });

  it('loads a snapshot with nodes but no cluster.json', async () => {
    const snap = await loadSnapshot(await makeDir({ 'nodes/n1/iptables-save.txt': 'x' }));
    expect(snap.clusterJson).toBeUndefined();
    expect(snap.nodes).toHaveLength(1);
  });

  it('does not follow symlinks inside the snapshot', async () => {
    const dir = await makeDir({ 'nodes/n1/iptables-save.txt': 'x' });
    await writeFile(join(tmp, 'secret.txt'), 'secret');
    await symlink(join(tmp, 'secret.txt'), join(dir, 'nodes', 'n1', 'ip6tables-save.txt'));
    await symlink(join(dir, 'nodes', 'n1'), join(dir, 'nodes', 'n9'));
    const snap = await loadSnapshot(dir);
    expect(snap.nodes.map((n) => n.name)).toEqual(['n1']);
    expect(Object.keys(snap.nodes[0].files)).toEqual(['iptables-save.txt']);
  });

  it('refuses a file larger than the limit', async () => {
    const dir = await makeDir({ 'nodes/n1/iptables-save.txt': 'x'.repeat(100) });
    await expect(loadSnapshot(dir, { ...DEFAULT_LIMITS, maxFileBytes: 50 })).rejects.toThrow(/larger than 50 bytes/);
  });
});

describe('loadSnapshot from an archive', () => {
  const layouts: [string, Buffer][] = [
    ['a .tar.gz with the layout at the root', rawTarGz(entriesOf(LAYOUT))],
    ['a .tar.gz wrapping the layout in one folder', rawTarGz([{ path: 'snap/', type: '5' }, ...entriesOf(LAYOUT, 'snap/')])],
    ['a plain .tar', rawTar(entriesOf(LAYOUT))],
    ['a .tar.gz with ./ prefixes', rawTarGz(entriesOf(LAYOUT, './'))],
  ];
  it.each(layouts)('reads %s', async (_n, data) => {
    const snap = await loadSnapshot(await writeTmp('s.tgz', data));
    expect(snap.clusterJson).toBe(LAYOUT['cluster.json']);
    expect(snap.nodes.map((n) => n.name)).toEqual(['n1', 'n2']);
    expect(snap.nodes[0].files['nft.json']).toBe('{"nftables":[]}');
  });

  it('reads an archive made by the tar package, keeping empty node folders as nodes', async () => {
    const dir = await makeDir(LAYOUT);
    await mkdir(join(dir, 'nodes', 'n3'));
    const file = join(tmp, 'made.tar.gz');
    await create({ gzip: true, file, cwd: dir }, ['cluster.json', 'nodes']);
    const snap = await loadSnapshot(file);
    expect(snap.nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
    expect(snap.nodes[2].files).toEqual({});
  });

  it('ignores files outside the layout (README, checksums)', async () => {
    const snap = await loadSnapshot(await writeTmp('s.tgz', rawTarGz([...entriesOf(LAYOUT), { path: 'README.md', body: 'hi' }, { path: 'nodes/n1/sub/deep.txt', body: 'x' }])));
    expect(snap.nodes[0].files['deep.txt']).toBeUndefined();
  });

  const hostile: [string, RawEntry[], RegExp][] = [
    ['an absolute path', [{ path: '/etc/passwd', body: 'x' }], /unsafe entry "\/etc\/passwd".*absolute path/],
    ['a ".." segment', [{ path: 'nodes/../../evil', body: 'x' }], /unsafe entry .*"\.\." segment/],
    ['a symlink', [{ path: 'nodes/n1/iptables-save.txt', type: '2', linkpath: '/etc/shadow' }], /unsupported entry .*SymbolicLink/],
    ['a hard link', [{ path: 'nodes/n1/iptables-save.txt', type: '1', linkpath: 'cluster.json' }], /unsupported entry .*Link/],
    ['a character device', [{ path: 'nodes/n1/tty', type: '3' }], /unsupported entry .*CharacterDevice/],
    ['a FIFO', [{ path: 'nodes/n1/fifo', type: '6' }], /unsupported entry .*FIFO/],
    ['a backslash path', [{ path: 'nodes\\n1\\x', body: 'x' }], /backslash/],
    ['a node name with a control character', [{ path: 'nodes/n\u001b[2J/iptables-save.txt', body: 'x' }], /invalid node name .*control character/],
    ['a Windows drive path', [{ path: 'C:/x', body: 'x' }], /absolute path/],
  ];
  it.each(hostile)('refuses an archive with %s', async (_n, entries, message) => {
    const file = await writeTmp('evil.tgz', rawTarGz([{ path: 'cluster.json', body: '{}' }, ...entries]));
    await expect(loadSnapshot(file)).rejects.toThrow(message);
  });

  it('refuses more entries than the limit', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ path: `nodes/n${i}/iptables-save.txt`, body: 'x' }));
    const file = await writeTmp('many.tgz', rawTarGz(entries));
    await expect(loadSnapshot(file, { ...DEFAULT_LIMITS, maxEntries: 10 })).rejects.toThrow(/more than 10 entries/);
  });

  it('refuses more bytes in total than the limit', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ path: `nodes/n${i}/iptables-save.txt`, body: 'x'.repeat(100) }));
    const file = await writeTmp('big.tgz', rawTarGz(entries));
    await expect(loadSnapshot(file, { ...DEFAULT_LIMITS, maxTotalBytes: 300 })).rejects.toThrow(/more than 300 bytes/);
  });

  it('refuses a single file larger than the limit before reading it', async () => {
    const file = await writeTmp('one.tgz', rawTarGz([{ path: 'nodes/n1/iptables-save.txt', body: 'x'.repeat(1000) }]));
    await expect(loadSnapshot(file, { ...DEFAULT_LIMITS, maxFileBytes: 999 })).rejects.toThrow(/larger than 999 bytes/);
  });

  it('refuses a truncated archive', async () => {
    const full = rawTar(entriesOf(LAYOUT));
    const file = await writeTmp('cut.tar', full.subarray(0, 700));
    await expect(loadSnapshot(file)).rejects.toThrow(/cannot read archive|not a snapshot/);
  });

  it('refuses a gzip stream that is corrupt', async () => {
    const gz = rawTarGz(entriesOf(LAYOUT));
    gz.fill(0x41, 20, 60);
    const file = await writeTmp('bad.tgz', gz);
    await expect(loadSnapshot(file)).rejects.toThrow(file);
  });
});

describe('loadSnapshot errors name the path', () => {
  it('when it does not exist', async () => {
    const p = join(tmp, 'nope');
    await expect(loadSnapshot(p)).rejects.toThrow(`snapshot not found: ${p}`);
  });

  it('when a directory has neither cluster.json nor nodes/', async () => {
    const dir = await makeDir({ 'README.md': 'x', 'other/a.txt': 'y' });
    await expect(loadSnapshot(dir)).rejects.toThrow(`not a snapshot: ${dir} has neither cluster.json nor a nodes/ folder`);
  });

  it('when a file is not an archive', async () => {
    const p = await writeTmp('notes.txt', 'hello');
    await expect(loadSnapshot(p)).rejects.toThrow(`not a snapshot: ${p} is neither a directory nor a .tar.gz/.tgz archive`);
  });

  it('when an archive has no snapshot layout', async () => {
    const p = await writeTmp('other.tgz', rawTarGz([{ path: 'a/b.txt', body: 'x' }, { path: 'c.txt', body: 'y' }]));
    await expect(loadSnapshot(p)).rejects.toThrow(`not a snapshot: ${p}`);
  });
});

describe('names and entry paths', () => {
  const names: [string, string | null][] = [
    ['node-a', null],
    ['ip-10-0-0-1.ec2.internal', null],
    ['', 'empty name'],
    ['..', '".." is not a name'],
    ['a/b', 'contains a path separator'],
    ['a\\b', 'contains a path separator'],
    ['a\nb', 'contains a control character'],
    ['x'.repeat(254), 'longer than 253 characters'],
  ];
  it.each(names)('name %j is %s', (name, reason) => {
    expect(invalidNameReason(name)).toBe(reason);
  });

  const paths: [string, ReturnType<typeof normaliseEntryPath>][] = [
    ['./nodes/n1/x', { path: 'nodes/n1/x' }],
    ['nodes//n1/./x', { path: 'nodes/n1/x' }],
    ['snap/', { path: 'snap' }],
    ['a/../b', { reason: 'contains a ".." segment' }],
    ['/abs', { reason: 'is an absolute path' }],
    ['a\0b', { reason: 'contains a NUL byte' }],
  ];
  it.each(paths)('entry path %j normalises to %j', (raw, expected) => {
    expect(normaliseEntryPath(raw)).toEqual(expected);
  });
});
