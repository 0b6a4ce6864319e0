import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

// A kubeconfig exec plugin is an arbitrary program (CVE-2022-35976 ran code from a crafted
// kubeconfig; Flux made exec opt-in, GHSA-vvmq-fwmg-2gjc). Proxyscope runs one only when the
// user approved exactly that command + args + env variable names: for one run (`--allow-exec`)
// or remembered in Proxyscope's own config dir, keyed by the sha256 of those three. Changing
// any of them (a kubeconfig edited behind the user's back) needs a new approval; env VALUES are
// not part of the key (they hold tokens and rotate) and are never shown.

export interface ExecIdentity {
  command: string;
  args: string[];
  envNames: string[];
}

export interface ExecApprovalEntry extends ExecIdentity {
  sha256: string;
  approvedAt: string;
}

export interface ExecApprovals {
  path: string;
  entries: ExecApprovalEntry[];
  /** Why the stored file was not trusted (loose permissions, another owner, bad JSON). */
  warning?: string;
}

export function execApprovalsPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'proxyscope', 'exec-approvals.json');
}

export function execFingerprint(exec: ExecIdentity): string {
  // JSON keeps the parts apart: ["a b"] and ["a", "b"] must not hash the same.
  return createHash('sha256').update(JSON.stringify([exec.command, exec.args, exec.envNames])).digest('hex');
}

function isEntry(v: unknown): v is ExecApprovalEntry {
  const e = v as ExecApprovalEntry;
  return typeof e === 'object' && e !== null && typeof e.sha256 === 'string' && typeof e.command === 'string' && Array.isArray(e.args);
}

export function loadExecApprovals(path: string = execApprovalsPath()): ExecApprovals {
  let text: string;
  try {
    const st = statSync(path);
    // Anyone who can write this file can make Proxyscope run programs: trust it only when it
    // is ours and not group/world-writable (the rule ssh applies to authorized_keys).
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
      return { path, entries: [], warning: `ignoring ${path}: it belongs to another user` };
    }
    if ((st.mode & 0o022) !== 0) return { path, entries: [], warning: `ignoring ${path}: others can write to it (chmod 600 it)` };
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, entries: [] };
    return { path, entries: [], warning: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  try {
    const doc = JSON.parse(text) as { approvals?: unknown };
    const entries = Array.isArray(doc.approvals) ? doc.approvals.filter(isEntry) : [];
    return { path, entries };
  } catch {
    return { path, entries: [], warning: `ignoring ${path}: not valid JSON` };
  }
}

export function isExecApproved(exec: ExecIdentity, approvals: ExecApprovals): boolean {
  const fp = execFingerprint(exec);
  return approvals.entries.some((e) => e.sha256 === fp);
}

/** Stores the approval (file mode 0600, directory 0700, written atomically). */
export function saveExecApproval(exec: ExecIdentity, path: string = execApprovalsPath(), now: Date = new Date()): ExecApprovalEntry {
  const current = loadExecApprovals(path);
  const entry: ExecApprovalEntry = {
    sha256: execFingerprint(exec),
    command: exec.command,
    args: exec.args,
    envNames: exec.envNames,
    approvedAt: now.toISOString(),
  };
  const entries = [...current.entries.filter((e) => e.sha256 !== entry.sha256), entry];
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ version: 1, approvals: entries }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return entry;
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : JSON.stringify(s);
}

export function describeExec(exec: ExecIdentity): string {
  return [
    `  command: ${shellWord(exec.command)}`,
    `  args:    ${exec.args.length ? exec.args.map(shellWord).join(' ') : '(none)'}`,
    `  env:     ${exec.envNames.length ? `${exec.envNames.join(', ')} (values not shown)` : '(none)'}`,
  ].join('\n');
}

export class ExecNotApprovedError extends Error {
  override name = 'ExecNotApprovedError';
  readonly fingerprint: string;
  constructor(
    readonly contextName: string,
    readonly exec: ExecIdentity,
  ) {
    super(
      `context "${contextName}" gets its credentials from a program (an exec plugin), and Proxyscope runs one only after you approve it:\n` +
        `${describeExec(exec)}\n` +
        `It would run with your permissions. If you trust this kubeconfig, approve it for this run with --allow-exec, ` +
        `or remember the approval with: proxyscope contexts --approve-exec ${shellWord(contextName)}`,
    );
    this.fingerprint = execFingerprint(exec);
  }
}

export interface ExecPolicy {
  /** `--allow-exec`: approved for this run. */
  allowExec?: boolean;
  /** Where remembered approvals live (default: execApprovalsPath()). */
  approvalsPath?: string;
}

/** Throws ExecNotApprovedError unless the plugin may run. Returns a warning about the store, if any. */
export function requireExecApproval(contextName: string, exec: ExecIdentity, policy: ExecPolicy): string | undefined {
  if (policy.allowExec) return undefined;
  const approvals = loadExecApprovals(policy.approvalsPath ?? execApprovalsPath());
  if (isExecApproved(exec, approvals)) return approvals.warning;
  throw new ExecNotApprovedError(contextName, exec);
}
