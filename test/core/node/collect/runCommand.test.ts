import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { WATCH_SCRIPT } from '../../../../core/node/collect/commands';
import { runCommand } from '../../../../core/node/collect/runCommand';
import type { SshSession } from '../../../../core/node/ssh/sshSession';
import { describeWithTools } from '../../../helpers/requireTool';
import { waitUntilGone, waitUntilRunning } from '../../../helpers/sshd/processes';
import { sessionFor } from '../../../helpers/sshd/sessionFor';
import { startSshd } from '../../../helpers/sshd/sshdServer';
import type { SshdServer } from '../../../helpers/sshd/sshdServer';

// runCommand against a real sshd. The scripts in the server's PATH stand in for the node's
// tools; the command string sent is always the production one from the allowlist.

// Walks up from the script to the first sshd ancestor (the session's "sshd: user@notty";
// "sshd-session" since OpenSSH 9.8) and leaves its pid in $p; exits if there is none, so the
// scripts can never signal an unrelated process.
const FIND_SSHD = `p=$$; found=
while [ "$p" -gt 1 ]; do
  read -r _ comm _ pp _ < /proc/$p/stat
  case "$comm" in "(sshd)"|"(sshd-session)") found=$p; break;; esac
  p=$pp
done
[ -n "$found" ] || exit 99
p=$found`;

const RULES = '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment "kube" -j ACCEPT\nCOMMIT\n';

describeWithTools(['sshd', 'ssh-keygen', 'pgrep', 'timeout'], 'runCommand over a real sshd', () => {
  let server: SshdServer;
  const sessions: SshSession[] = [];

  beforeAll(async () => {
    server = await startSshd();
  });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.close();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function connect(options: Parameters<typeof sessionFor>[2] = {}): Promise<SshSession> {
    const s = sessionFor(server, [server.knownHostsLine], options);
    sessions.push(s);
    await s.connect();
    return s;
  }

  it('runs an allowlisted command and streams its stdout into the sink: ok', async () => {
    server.setScript('iptables-save', `printf '%s' '${RULES}'`);
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
    const r = await runCommand(await connect(), 'iptables-save', { timeoutSec: 30, stdout: sink });
    expect(r.status).toBe('ok');
    expect(r.exitCode).toBe(0);
    expect(r.remoteCommand).toBe(`sh -c '${WATCH_SCRIPT}' proxyscope env LC_ALL=C timeout -k 5 30 iptables-save`);
    expect(Buffer.concat(chunks).toString()).toBe(RULES);
    expect(r.bytes).toBe(Buffer.byteLength(RULES));
    expect(r.stdout).toBeUndefined();
  });

  it('reports a tool that is not installed as command-missing', async () => {
    const r = await runCommand(await connect(), 'ipvsadm', { timeoutSec: 30 });
    expect(r.status).toBe('command-missing');
    expect(r.exitCode).toBe(127);
    expect(r.message).toMatch(/ipvsadm is not installed/);
  });

  it('reports sudo -n asking for a password as sudo-denied', async () => {
    server.setScript('sudo', 'echo "sudo: a password is required" >&2\nexit 1');
    server.setScript('iptables-save', `printf '%s' '${RULES}'`);
    try {
      const r = await runCommand(await connect(), 'iptables-save', { timeoutSec: 30, sudo: true });
      expect(r.status).toBe('sudo-denied');
      expect(r.message).toMatch(/a password is required/);
      expect(r.remoteCommand).toMatch(/' proxyscope env LC_ALL=C sudo -n timeout -k 5 30 iptables-save$/);
    } finally {
      server.removeScript('sudo');
    }
  });

  it('puts timeout inside sudo -n, so the bound applies to the root process', async () => {
    const argvLog = join(server.dir, 'sudo-argv');
    server.setScript('sudo', `echo "$*" > ${argvLog}\n[ "$1" = -n ] && shift\nexec "$@"`);
    server.setScript('iptables-save', `printf '%s' '${RULES}'`);
    try {
      const r = await runCommand(await connect(), 'iptables-save', { timeoutSec: 30, sudo: true });
      expect(r.status).toBe('ok');
      expect(readFileSync(argvLog, 'utf8').trim()).toBe('-n timeout -k 5 30 iptables-save');
      // Commands that need no root never go through sudo.
      const ip = await runCommand(sessions[0], 'ip-addr', { timeoutSec: 30, sudo: true });
      expect(ip.remoteCommand).not.toContain('sudo');
    } finally {
      server.removeScript('sudo');
    }
  });

  it('caps stdout: keeps exactly maxBytes, flags truncated and stops the command', async () => {
    const sleepArg = `297.${randomInt(1e6, 9e6)}`;
    server.setScript('ip6tables-save', `head -c 1048576 /dev/zero | tr '\\0' x\nexec sleep ${sleepArg}`);
    const r = await runCommand(await connect(), 'ip6tables-save', { timeoutSec: 30, maxBytes: 65_536 });
    expect(r.status).toBe('truncated');
    expect(r.truncated).toBe(true);
    expect(r.bytes).toBe(65_536);
    expect(r.stdout?.length).toBe(65_536);
    expect(await waitUntilGone([`sleep ${sleepArg}`], 10_000)).toEqual([]);
  });

  it('caps stderr too', async () => {
    server.setScript('ipset', `head -c 200000 /dev/zero | tr '\\0' e >&2\nexit 3`);
    const r = await runCommand(await connect(), 'ipset', { timeoutSec: 30, maxStderrBytes: 1024 });
    expect(r.status).toBe('failed');
    expect(r.exitCode).toBe(3);
    expect(Buffer.byteLength(r.stderr)).toBeLessThanOrEqual(1024);
    expect(r.stderrTruncated).toBe(true);
  });

  it('stops a command at its timeout on the node (timeout exit 124) and leaves no process', async () => {
    const sleepArg = `291.${randomInt(1e6, 9e6)}`;
    server.setScript('ip6tables-legacy-save', `exec sleep ${sleepArg}`);
    const r = await runCommand(await connect(), 'ip6tables-legacy-save', { timeoutSec: 1 });
    expect(r.status).toBe('timeout');
    expect(r.exitCode).toBe(124);
    expect(await waitUntilGone([`sleep ${sleepArg}`], 8_000)).toEqual([]);
  });

  it('cancels a long command through AbortSignal and leaves no remote process', async () => {
    const sleepArg = `299.${randomInt(1e6, 9e6)}`;
    const timeoutSec = 280 + randomInt(9);
    server.setScript('iptables-legacy-save', `exec sleep ${sleepArg}`);
    const session = await connect();
    const ac = new AbortController();
    const running = runCommand(session, 'iptables-legacy-save', { timeoutSec, signal: ac.signal });
    expect(await waitUntilRunning(`sleep ${sleepArg}`, 10_000)).toBe(true);
    ac.abort();
    const r = await running;
    expect(r.status).toBe('cancelled');
    // Neither the command nor its `timeout` wrapper survives (the wrapper alone would wait 280 s).
    expect(await waitUntilGone([`sleep ${sleepArg}`, `timeout -k 5 ${timeoutSec} `], 10_000)).toEqual([]);
    // The session stays usable for the next command.
    server.setScript('iptables-save', `printf '%s' '${RULES}'`);
    expect((await runCommand(session, 'iptables-save', { timeoutSec: 30 })).status).toBe('ok');
  });

  it('marks a connection cut mid-stream as incomplete, keeping the bytes, never ok', async () => {
    server.setScript('nft', `head -c 65536 /dev/zero | tr '\\0' n\nsleep 0.5\n${FIND_SSHD}\nkill -9 "$p"`);
    const r = await runCommand(await connect(), 'nft-json', { timeoutSec: 30 });
    expect(r.status).toBe('incomplete');
    expect(r.exitCode).toBeUndefined();
    expect(r.bytes).toBe(65_536);
    expect(r.message).toMatch(/without an exit status/);
  });

  it('detects a silent peer with keepalives: timeout, never ok', async () => {
    // SIGSTOP the session's sshd: TCP stays up, SSH answers stop. The script kills it after 8 s
    // so a client without keepalives would see a close (incomplete) instead.
    server.setScript('nft', `echo started\n${FIND_SSHD}\nkill -STOP "$p"\nsleep 8\nkill -9 "$p"`);
    const session = await connect({ keepaliveIntervalMs: 300, keepaliveCountMax: 2 });
    const r = await runCommand(session, 'nft-text', { timeoutSec: 30 });
    expect(r.status).toBe('timeout');
    expect(r.message).toMatch(/keepalive/);
    expect(session.connectionError?.info.timer).toBe('keepalive');
  });
});
