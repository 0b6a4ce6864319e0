import { resolve } from 'node:path';
import type SSHConfig from 'ssh-config';
import type { KnownHostEntry } from '../ssh/knownHosts';
import { resolveSshTarget } from '../ssh/sshConfig';
import type { PassphraseProvider } from '../ssh/sshAuth';
import { SshError } from '../ssh/sshError';
import { hopLabel, SshSession } from '../ssh/sshSession';
import { NODE_COMMANDS } from './commands';
import { runCommand } from './runCommand';
import { commandRecord } from './scanNodeRecord';
import { nodeStatusFromCommands, statusForSshError } from './scanNodeStatus';
import type { ScanNodeTarget } from './scanNodes';
import type { CommandRecord, NodeScanResult, ScanEvent, ScanSshOptions } from './scanTypes';

// One node: resolve its SSH target, connect (host key checked before any authentication), run
// every allowlisted command in order over the one connection, and turn it all into one status.
// Never throws for the node's own problems: a bad node is a result, not an exception.

export interface ScanNodeContext {
  ssh: ScanSshOptions;
  sshConfig?: SSHConfig;
  knownHosts: KnownHostEntry[];
  commandTimeoutSec: number;
  maxBytes?: number;
  signal?: AbortSignal;
  emit: (event: ScanEvent) => void;
}

export async function scanNode(target: ScanNodeTarget, ctx: ScanNodeContext): Promise<NodeScanResult> {
  const started = performance.now();
  const result = (fields: Omit<NodeScanResult, 'node' | 'durationMs' | 'commands' | 'files'> & Partial<Pick<NodeScanResult, 'commands' | 'files'>>): NodeScanResult => {
    const r: NodeScanResult = { node: target.name, commands: [], files: {}, ...fields, durationMs: Math.round(performance.now() - started) };
    ctx.emit({ type: 'node-done', node: r.node, status: r.status, message: r.message });
    return r;
  };
  if (ctx.signal?.aborted) return result({ status: 'cancelled', message: 'cancelled before the node was contacted' });
  if (target.problem || !target.address) return result({ status: 'unreachable', message: target.problem ?? 'no address' });

  const o = { ...ctx.ssh, ...pick(ctx.ssh.perNode?.[target.name]) };
  let session: SshSession;
  let address: string | undefined;
  try {
    const sshTarget = resolveSshTarget(target.address, {
      config: ctx.sshConfig,
      home: ctx.ssh.home,
      overrides: { user: o.user, port: o.port, jump: o.jump, identityFiles: ctx.ssh.identityFiles },
    });
    address = hopLabel(sshTarget);
    session = new SshSession(sshTarget, {
      // Each session gets its own copy: accept-new appends to it while the others read theirs.
      hostKeys: { entries: [...ctx.knownHosts], mode: ctx.ssh.acceptNewFile ? 'accept-new' : 'strict', acceptNewFile: ctx.ssh.acceptNewFile },
      ...(ctx.ssh.agentSocket !== undefined ? { agentSocket: ctx.ssh.agentSocket } : {}),
      ...(ctx.ssh.passphrases ? { passphrase: passphraseProvider(ctx.ssh.passphrases) } : {}),
      ...(ctx.ssh.home !== undefined ? { home: ctx.ssh.home } : {}),
      ...(ctx.ssh.readyTimeoutMs !== undefined ? { readyTimeoutMs: ctx.ssh.readyTimeoutMs } : {}),
      signal: ctx.signal,
    });
  } catch (err) {
    if (err instanceof SshError) return result({ status: statusForSshError(err), message: err.message });
    throw err;
  }

  ctx.emit({ type: 'node-connecting', node: target.name, address });
  try {
    await session.connect();
  } catch (err) {
    session.close();
    if (!(err instanceof SshError)) throw err;
    const fp = err.info.hostKey?.fingerprint;
    return result({ address, status: statusForSshError(err), message: err.message, ...(fp ? { hostKeyFingerprint: fp } : {}) });
  }
  ctx.emit({ type: 'node-connected', node: target.name });

  const commands: CommandRecord[] = [];
  const files: Record<string, string> = {};
  try {
    for (const cmd of NODE_COMMANDS) {
      ctx.emit({ type: 'command-start', node: target.name, command: cmd.id });
      const r = await runCommand(session, cmd.id, { sudo: o.sudo === true, timeoutSec: ctx.commandTimeoutSec, maxBytes: ctx.maxBytes, signal: ctx.signal });
      const rec = commandRecord(r);
      if (rec.saved) files[cmd.file] = (r.stdout as Buffer).toString('utf8');
      commands.push(rec);
      ctx.emit({ type: 'command-done', node: target.name, command: cmd.id, status: r.status, bytes: r.bytes, durationMs: Math.round(r.durationMs) });
    }
  } finally {
    session.close();
  }
  const verdict = nodeStatusFromCommands(commands);
  return result({ address, ...verdict, commands, files });
}

function pick(o: { user?: string; port?: number; jump?: string; sudo?: boolean } | undefined): Partial<ScanSshOptions> {
  if (!o) return {};
  const out: Partial<ScanSshOptions> = {};
  if (o.user !== undefined) out.user = o.user;
  if (o.port !== undefined) out.port = o.port;
  if (o.jump !== undefined) out.jump = o.jump;
  if (o.sudo !== undefined) out.sudo = o.sudo;
  return out;
}

/**
 * The passphrase of an encrypted key file, looked up by its resolved path (resolveSshTarget
 * resolves identity files the same way), so `./id` and `/abs/id` name the same key.
 */
export function passphraseProvider(passphrases: Record<string, string>): PassphraseProvider {
  const byPath = new Map(Object.entries(passphrases).map(([path, secret]) => [resolve(path), secret]));
  return (keyPath) => byPath.get(resolve(keyPath));
}
