import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chunkRestoreInput } from './netns';
import { chunkNftTransaction } from './nftNetns';
import type { ToolCheck } from './requireTool';
import { descendantPids, killQuietly } from './sshd/processes';
import { generateKey } from './sshd/sshdServer';
import type { KeyPair } from './sshd/sshdServer';

// Simulated nodes for the SSH path: per node a named network namespace (`ip netns add`), a veth
// pair whose host end sits on a bridge (one private /24 for the run), the kube-proxy rules of
// that node loaded into the namespace's REAL kernel tables (iptables-restore for iptables mode,
// `nft -f` for nftables mode), and a real sshd listening inside the namespace on the veth address
// with its own host key. `iptables-save` / `nft -j list ruleset` over SSH then print that node's
// kernel rules, and `ip -o addr show` its real addresses.
// Needs root (CAP_NET_ADMIN in the initial namespace). Everything is named with a per-run id
// and removed by stop(), which tests call from afterAll so a failing test still cleans up.

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';
const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
// A namespace made with `ip netns add` is owned by the initial user namespace, so a root restore
// is not held to the small netlink batches of an unprivileged one (netns.ts, nftNetns.ts): a
// 1k-Service dump (23k lines) loads in one go. Pieces still bound a 10k+ Service load.
const RESTORE_PIECE_LINES = 5000;

export interface NetnsNodeSpec {
  name: string;
  /** iptables-restore input for the node (kube-proxy's iptables-mode rules). */
  rules?: string;
  /** `nft -f` input for the node (kube-proxy's nftables-mode transaction, kubeProxyNftables.ts). */
  nftRules?: string;
  /**
   * Shell scripts put first on this node's session PATH, by program name: stand-ins for what a
   * real node may have instead (a `sudo` that wants a password, an `iptables-save` that hangs).
   * The command string the client sends stays the production one.
   */
  tools?: Record<string, string>;
  /** No sshd: the address answers with a TCP reset (unreachable). */
  noSshd?: boolean;
  /** The client key is not in authorized_keys (auth failure). */
  rejectClient?: boolean;
  /** PATH for sessions: only sh, env and timeout (every dump command is missing). */
  bareToolset?: boolean;
}

export interface NetnsNode {
  name: string;
  netns: string;
  address: string;
  port: number;
  hostKey?: KeyPair;
  /** `address ssh-ed25519 AAAA...` for known_hosts. */
  knownHostsLine?: string;
}

export interface NetnsCluster {
  nodes: NetnsNode[];
  clientKey: KeyPair;
  dir: string;
  user: string;
  stop(): Promise<void>;
}

let checked: ToolCheck | undefined;

/** Whether `ip netns` works here: root, iproute2, sshd, iptables-restore, and a namespace can be made. */
export function canUseIpNetns(): ToolCheck {
  if (checked) return checked;
  if (process.getuid?.() !== 0) return (checked = { ok: false, reason: '`ip netns add` needs root' });
  const probe = `proxyscope-probe-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('which', ['ip', 'iptables-restore', 'ssh-keygen', SSHD], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe', timeout: 10_000 });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe', timeout: 10_000 });
    checked = { ok: true };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    checked = { ok: false, reason: `ip netns is not usable here (${msg})` };
  }
  return checked;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args, { timeout: 10_000 });
}

async function inNetns(ns: string, cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} in ${ns} exited ${code}: ${err.trim()}`))));
    child.stdin.end(input ?? '');
  });
}

async function waitListening(log: () => string, child: ChildProcess, address: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (log().includes(`Server listening on ${address} port 22`)) return;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`sshd in the node namespace did not start:\n${log()}`);
}

export async function startNetnsNodes(specs: NetnsNodeSpec[]): Promise<NetnsCluster> {
  const id = randomBytes(2).toString('hex');
  const net = `10.${200 + (randomBytes(1)[0] % 50)}.${randomBytes(1)[0]}`;
  const bridge = `psbr${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-netns-nodes-'));
  const made: { netns: string[]; links: string[]; children: ChildProcess[] } = { netns: [], links: [], children: [] };
  const stop = async (): Promise<void> => {
    for (const c of made.children) {
      if (!c.pid) continue;
      for (const pid of descendantPids(c.pid)) killQuietly(pid);
      killQuietly(c.pid);
    }
    for (const ns of made.netns) await ip('netns', 'del', ns).catch(() => undefined);
    for (const l of made.links) await ip('link', 'del', l).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const clientKey = await generateKey(dir, 'client_key');
    await ip('link', 'add', bridge, 'type', 'bridge');
    made.links.push(bridge);
    await ip('addr', 'add', `${net}.1/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    const bare = join(dir, 'bare-bin');
    mkdirSync(bare);
    for (const tool of ['sh', 'env', 'timeout']) symlinkSync(execFileSync('which', [tool], { encoding: 'utf8' }).trim(), join(bare, tool));

    // allSettled: every node's setup has finished (and recorded what it made) before stop() runs.
    const settled = await Promise.allSettled(
      specs.map(async (spec, i): Promise<NetnsNode> => {
        const netns = `proxyscope-${id}-${i}`;
        const hostEnd = `psv${id}${i}`;
        const address = `${net}.${10 + i}`;
        await ip('netns', 'add', netns);
        made.netns.push(netns);
        await ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
        made.links.push(hostEnd);
        await ip('link', 'set', hostEnd, 'master', bridge);
        await ip('link', 'set', hostEnd, 'up');
        await ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
        await ip('-n', netns, 'link', 'set', 'eth0', 'up');
        await ip('-n', netns, 'link', 'set', 'lo', 'up');
        // nf_tables transactions have a size limit; restore in pieces, declarations first.
        if (spec.rules) {
          const pieces = chunkRestoreInput(spec.rules, RESTORE_PIECE_LINES);
          for (const [n, piece] of pieces.entries()) await inNetns(netns, 'iptables-restore', n === 0 ? [] : ['--noflush'], piece);
        }
        // kube-proxy's transaction never refers to an object before adding it, so pieces load in order.
        if (spec.nftRules) {
          for (const piece of chunkNftTransaction(spec.nftRules, RESTORE_PIECE_LINES)) await inNetns(netns, 'nft', ['-f', '/dev/stdin'], piece);
        }
        const node: NetnsNode = { name: spec.name, netns, address, port: 22 };
        if (spec.noSshd) return node;
        const ndir = join(dir, `node-${i}`);
        mkdirSync(ndir);
        let path = spec.bareToolset ? bare : SYSTEM_PATH;
        if (spec.tools) {
          const bin = join(ndir, 'bin');
          mkdirSync(bin);
          for (const [name, body] of Object.entries(spec.tools)) {
            if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`tool name ${JSON.stringify(name)} is not a plain file name`);
            writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
            chmodSync(join(bin, name), 0o755);
          }
          path = `${bin}:${path}`;
        }
        const hostKey = await generateKey(ndir, 'host_key');
        const authorized = join(ndir, 'authorized_keys');
        writeFileSync(authorized, spec.rejectClient ? '' : `${clientKey.publicLine}\n`);
        const config = join(ndir, 'sshd_config');
        writeFileSync(
          config,
          [
            `ListenAddress ${address}:22`,
            `HostKey ${hostKey.path}`,
            'PidFile none',
            `AuthorizedKeysFile ${authorized}`,
            'StrictModes no',
            'UsePAM no',
            'PermitRootLogin prohibit-password',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'LogLevel INFO',
            `SetEnv PATH=${path}`,
            '',
          ].join('\n'),
        );
        const child = spawn('ip', ['netns', 'exec', netns, SSHD, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
        made.children.push(child);
        let log = '';
        child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
        await waitListening(() => log, child, address);
        const [type, b64] = hostKey.publicLine.split(' ');
        return { ...node, hostKey, knownHostsLine: `${address} ${type} ${b64}` };
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const nodes = settled.map((r) => (r as PromiseFulfilledResult<NetnsNode>).value);
    return { nodes, clientKey, dir, user: 'root', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
