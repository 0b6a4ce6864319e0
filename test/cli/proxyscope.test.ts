import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../core/common/model';
import { packSnapshot, saveSnapshot } from '../../core/node/snapshot/saveSnapshot';
import { STALE_IP, tinySnapshot } from '../core/node/tinySnapshot';

// Runs the BUILT command (bin/proxyscope.js -> out/cli/proxyscope.cjs) as a user would.

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin', 'proxyscope.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let tmp: string;
let clean: string;
let stale: string;
let staleTgz: string;
let noCluster: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT, stdio: 'pipe' });
  tmp = await mkdtemp(join(tmpdir(), 'proxyscope-cli-'));
  clean = join(tmp, 'clean');
  stale = join(tmp, 'stale');
  noCluster = join(tmp, 'no-cluster');
  staleTgz = join(tmp, 'stale.tar.gz');
  await saveSnapshot(tinySnapshot(), clean);
  await saveSnapshot(tinySnapshot({ staleOn: ['node-a'] }), stale);
  await saveSnapshot(tinySnapshot({ noCluster: true }), noCluster);
  await packSnapshot(stale, staleTgz);
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('proxyscope (global)', () => {
  it('prints the version from package.json', () => {
    expect(run(['--version'])).toEqual({ code: 0, stdout: `proxyscope ${VERSION}\n`, stderr: '' });
  });

  it.each([['--help'], ['-h']])('prints help with %s and exits 0', (flag) => {
    const r = run([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('proxyscope analyze <snapshot>');
    expect(r.stdout).toContain('Exit codes: 0');
  });

  it('prints help to stderr and exits 2 without a command', () => {
    const r = run([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage:');
  });

  it.each([['analyze'], ['explain'], ['demo']])('prints help for %s --help', (cmd) => {
    const r = run([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: proxyscope ${cmd}`);
  });

  it('rejects an unknown command with one line on stderr', () => {
    const r = run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`proxyscope: error: unknown command "frobnicate" (see 'proxyscope --help')\n`);
  });
});

describe('proxyscope analyze', () => {
  it('exits 0 and prints a terminal summary for a healthy snapshot', () => {
    const r = run(['analyze', clean]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Proxyscope ${VERSION} · snapshot ${clean}`);
    expect(r.stdout).toMatch(/node-a +analyzed +iptables/);
    expect(r.stdout).toContain('Findings: none');
    expect(r.stderr).toBe('');
  });

  const failOn: [string[], number][] = [
    [[], 1],
    [['--fail-on', 'critical'], 1],
    [['--fail-on', 'info'], 1],
    [['--fail-on', 'never'], 0],
  ];
  it.each(failOn)('exits as --fail-on %j says when there is a critical finding', (flags, code) => {
    const r = run(['analyze', stale, ...flags]);
    expect(r.code).toBe(code);
    expect(r.stdout).toContain('CRITICAL  shop/web:http on node-a still routes to 10.244.3.7:8080');
  });

  it('reads a .tar.gz snapshot', () => {
    const r = run(['analyze', staleTgz, '--format', 'json']);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as AnalysisResult;
    expect(result.snapshot.source).toBe(staleTgz);
    expect(result.findings.some((f) => f.check === 'stale-backend' && f.endpoint === `${STALE_IP}:8080`)).toBe(true);
  });

  it('writes versioned JSON', () => {
    const r = run(['analyze', clean, '--format', 'json']);
    const result = JSON.parse(r.stdout) as AnalysisResult;
    expect(result.schemaVersion).toBe(1);
    expect(result.tool).toEqual({ name: 'proxyscope', version: VERSION });
    expect(result.nodes.map((n) => n.node)).toEqual(['node-a', 'node-b']);
  });

  it.each([['markdown'], ['md']])('writes Markdown with --format %s', (format) => {
    const r = run(['analyze', stale, '--format', format]);
    expect(r.stdout.startsWith(`# Proxyscope report: ${stale.replace(/_/g, '\\_')}`)).toBe(true);
    expect(r.stdout).toContain('| Critical | 1 |');
  });

  it('writes a self-contained HTML report', () => {
    const r = run(['analyze', stale, '--format', 'html']);
    expect(r.stdout.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(r.stdout).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(r.stdout).not.toMatch(/<script|https?:\/\//);
  });

  it('writes the report to --out and only a short note to stderr', async () => {
    const out = join(tmp, 'report.html');
    const r = run(['analyze', stale, '--format', 'html', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`proxyscope: wrote html report to ${out} (1 critical)\n`);
    expect(await readFile(out, 'utf8')).toContain('<h1>Proxyscope report</h1>');
  });

  it('states the missing cluster.json as a limitation', () => {
    const r = run(['analyze', noCluster, '--format', 'json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as AnalysisResult;
    expect(result.snapshot.cluster).toBeNull();
    expect(result.limitations.length).toBeGreaterThan(0);
  });

  it('uses no colour when piped, and colour with FORCE_COLOR, never with NO_COLOR', () => {
    expect(run(['analyze', stale]).stdout).not.toContain('\u001b');
    expect(run(['analyze', stale], { FORCE_COLOR: '1' }).stdout).toContain('\u001b[1;31m');
    expect(run(['analyze', stale], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toContain('\u001b');
  });

  const usage: [string, string[], RegExp][] = [
    ['a missing snapshot argument', ['analyze'], /^proxyscope: error: analyze: missing <snapshot>/],
    ['an unknown format', ['analyze', 'CLEAN', '--format', 'pdf'], /^proxyscope: error: unknown --format "pdf"; use one of: text, json, markdown, html/],
    ['an unknown severity', ['analyze', 'CLEAN', '--fail-on', 'urgent'], /^proxyscope: error: unknown --fail-on "urgent"/],
    ['an unknown option', ['analyze', 'CLEAN', '--frobnicate'], /^proxyscope: error: analyze: Unknown option '--frobnicate'/],
    ['two snapshots', ['analyze', 'CLEAN', 'CLEAN'], /^proxyscope: error: analyze: unexpected argument/],
    ['a bad --workers', ['analyze', 'CLEAN', '--workers', '0'], /^proxyscope: error: --workers must be a whole number >= 1/],
  ];
  it.each(usage)('exits 2 with one line on stderr for %s', (_n, args, message) => {
    const r = run(args.map((a) => (a === 'CLEAN' ? clean : a)));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('exits 2 naming the path when the snapshot does not exist', () => {
    const p = join(tmp, 'nope');
    expect(run(['analyze', p])).toEqual({ code: 2, stdout: '', stderr: `proxyscope: error: snapshot not found: ${p}\n` });
  });

  it('exits 2 naming the path when the folder is not a snapshot', async () => {
    const p = join(tmp, 'empty');
    await mkdir(p, { recursive: true });
    expect(run(['analyze', p])).toEqual({ code: 2, stdout: '', stderr: `proxyscope: error: not a snapshot: ${p} has neither cluster.json nor a nodes/ folder\n` });
  });

  it('exits 2 for a file that is not an archive', () => {
    const p = join(stale, 'cluster.json');
    const r = run(['analyze', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`proxyscope: error: not a snapshot: ${p} is neither a directory nor a .tar.gz/.tgz archive\n`);
  });

  it('stops quietly when the reader of its output goes away (| head)', async () => {
    const p = join(tmp, 'many');
    const names = Array.from({ length: 120 }, (_, i) => `node-x${i + 1}`);
    await saveSnapshot(tinySnapshot({ extraNodes: 120, staleOn: names }), p);
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" analyze "${p}" --format markdown | head -c 20`], { encoding: 'utf8' });
    expect(r.stdout).toBe('# Proxyscope report:');
    expect(r.stderr).toBe('');
  });

  it('keeps escape sequences from a hostile node name out of the terminal', async () => {
    const p = join(tmp, 'hostile');
    await mkdir(join(p, 'nodes', 'n\u001b]0;pwned\u0007'), { recursive: true });
    const r = run(['analyze', p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid node name .*control character/);
    expect(r.stderr).not.toMatch(/[\u001b\u0007]/);
  });
});

describe('proxyscope explain', () => {
  it('shows the stale backend next to the expected ones and exits 0', () => {
    const r = run(['explain', stale, '--node', 'node-a', '--service', 'shop/web:http']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== shop/web:http/tcp (IPv4)');
    expect(r.stdout).toMatch(/cluster-ip 10\.96\.0\.50:80\/tcp -> KUBE-SVC-\w+/);
    expect(r.stdout).toMatch(/OK +10\.244\.1\.5:8080 +yes +yes +shop\/web-6d8f9-abcde +ready +node-a/);
    expect(r.stdout).toMatch(/STALE +10\.244\.3\.7:8080 +no +yes/);
    expect(r.stdout).toContain('--to-destination 10.244.3.7:8080');
    expect(r.stdout).toMatch(/CRITICAL stale-backend/);
    expect(r.stdout).not.toMatch(/node-divergence/);
  });

  it('accepts the port by number', () => {
    expect(run(['explain', stale, '--node', 'node-a', '--service', 'shop/web:80']).stdout).toContain('== shop/web:http/tcp');
  });

  const notFound: [string, string[], string][] = [
    ['an unknown node, listing the nodes', ['--node', 'node-z', '--service', 'shop/web'], 'proxyscope: error: node "node-z" is not in the snapshot; nodes: node-a, node-b\n'],
    [
      'an unknown Service, listing the Services',
      ['--node', 'node-a', '--service', 'shop/nope'],
      'proxyscope: error: Service "shop/nope" is not known on node "node-a"; Services: default/kubernetes, shop/web\n',
    ],
    ['an unknown port, listing the ports', ['--node', 'node-a', '--service', 'shop/web:99'], 'proxyscope: error: Service "shop/web" has no port "99" on node "node-a"; ports: 80, http\n'],
  ];
  it.each(notFound)('exits 2 for %s', (_n, args, stderr) => {
    expect(run(['explain', stale, ...args])).toEqual({ code: 2, stdout: '', stderr });
  });

  const usage: [string, string[], RegExp][] = [
    ['no --node', ['--service', 'shop/web'], /--node NODE is required/],
    ['no --service', ['--node', 'node-a'], /--service NAMESPACE\/NAME\[:PORT\] is required/],
    ['a --service without namespace', ['--node', 'node-a', '--service', 'web'], /--service must look like NAMESPACE\/NAME/],
  ];
  it.each(usage)('exits 2 with %s', (_n, args, message) => {
    const r = run(['explain', stale, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('proxyscope demo', () => {
  it('analyses the built-in demo snapshot and exits 0 by default', () => {
    const r = run(['demo', '--format', 'json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as AnalysisResult;
    expect(result.snapshot.source).toBe('demo');
    expect(result.nodes.length).toBeGreaterThan(0);
  });

  it('rejects positional arguments', () => {
    const r = run(['demo', 'extra']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/demo: unexpected argument "extra"/);
  });
});
