import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import type { ExecOptions } from 'ssh2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseKnownHosts } from '../../../../core/node/ssh/knownHosts';
import { loadKnownHostsFiles } from '../../../../core/node/ssh/knownHostsStore';
import { resolveSshTarget } from '../../../../core/node/ssh/sshConfig';
import { SshError } from '../../../../core/node/ssh/sshError';
import { SshSession } from '../../../../core/node/ssh/sshSession';
import { describeWithTools } from '../../../helpers/requireTool';
import { startAgent, startStallServer } from '../../../helpers/sshd/peers';
import { sessionFor, targetFor } from '../../../helpers/sshd/sessionFor';
import { generateKey, opensshFingerprint, startSshd } from '../../../helpers/sshd/sshdServer';
import type { SshdServer } from '../../../helpers/sshd/sshdServer';

// SshSession against a real OpenSSH sshd (security test plan S1-S5, S9-S11). The sshd runs at
// LogLevel DEBUG1, so its log shows every userauth request and every auth-agent-req the client
// sent; "no auth bytes" is checked there, on the server, not by trusting the client.

const run = promisify(execFile);
const AUTH_LINES = /userauth-request|Accepted |Failed |Postponed /;
const END_OF_CONNECTION = /Disconnected from|Connection closed by|Connection reset by|Received disconnect/;

async function connectError(session: SshSession): Promise<SshError> {
  try {
    await session.connect();
  } catch (err) {
    session.close();
    if (err instanceof SshError) return err;
    throw err;
  }
  session.close();
  throw new Error('connected, but a refusal was expected');
}

async function execText(session: SshSession, command: string): Promise<string> {
  const ch = await session.exec(command);
  return new Promise((resolveOut) => {
    let out = '';
    ch.on('data', (d: Buffer) => (out += d.toString()));
    ch.stderr.resume();
    ch.on('close', () => resolveOut(out));
  });
}

describeWithTools(['sshd', 'ssh-keygen', 'ssh-agent', 'ssh-add'], 'SshSession against a real sshd', () => {
  let server: SshdServer;
  let otherKeyLine: string;
  let tmp: string;
  let fingerprint: string;

  beforeAll(async () => {
    server = await startSshd();
    tmp = mkdtempSync(join(tmpdir(), 'proxyscope-ssh-test-'));
    const other = await generateKey(tmp, 'other_host_key');
    otherKeyLine = `[127.0.0.1]:${server.port} ${other.publicLine.split(' ').slice(0, 2).join(' ')}`;
    fingerprint = await opensshFingerprint(`${server.hostKey.path}.pub`);
  });
  afterAll(async () => {
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs a refused connection and returns the error plus this connection's sshd log. */
  async function refused(lines: string[], options: Parameters<typeof sessionFor>[2] = {}): Promise<{ err: SshError; log: string }> {
    const mark = server.logMark();
    const err = await connectError(sessionFor(server, lines, options));
    const log = await server.waitForLog(END_OF_CONNECTION, mark);
    return { err, log };
  }

  it('refuses an unknown host key before authenticating and shows its SHA256 fingerprint', async () => {
    const { err, log } = await refused([]);
    expect(err.kind).toBe('host-key-unknown');
    expect(err.message).toContain(fingerprint);
    expect(err.info.hostKey?.fingerprint).toBe(fingerprint);
    expect(log).toMatch(/KEX|kex/);
    expect(log).not.toMatch(AUTH_LINES);
  });

  it('refuses a changed host key (mismatch) with both fingerprints and no auth', async () => {
    const { err, log } = await refused([otherKeyLine]);
    expect(err.kind).toBe('host-key-mismatch');
    expect(err.message).toContain(fingerprint);
    expect(err.info.hostKey?.knownFingerprints).toHaveLength(1);
    expect(err.message).toContain(err.info.hostKey!.knownFingerprints![0]);
    expect(log).not.toMatch(AUTH_LINES);
  });

  it('refuses a key marked @revoked even when another line trusts it', async () => {
    const [, type, b64] = server.knownHostsLine.split(' ');
    const { err, log } = await refused([server.knownHostsLine, `@revoked * ${type} ${b64}`]);
    expect(err.kind).toBe('host-key-revoked');
    expect(log).not.toMatch(AUTH_LINES);
  });

  it('never treats @cert-authority as a match', async () => {
    const [, type, b64] = server.knownHostsLine.split(' ');
    const { err, log } = await refused([`@cert-authority * ${type} ${b64}`]);
    expect(err.kind).toBe('host-key-unknown');
    expect(err.message).toMatch(/not supported/);
    expect(log).not.toMatch(AUTH_LINES);
  });

  it('accepts a hashed known_hosts entry written by ssh-keygen -H, then authenticates', async () => {
    const file = join(tmp, 'hashed_known_hosts');
    writeFileSync(file, `${server.knownHostsLine}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    const { entries } = await loadKnownHostsFiles([file]);
    const mark = server.logMark();
    const session = sessionFor(server, [], { hostKeys: { entries, mode: 'strict' } });
    await session.connect();
    session.close();
    // The positive control for the refusals above: a trusted host does get userauth requests.
    expect(await server.waitForLog(/Accepted publickey/, mark)).toMatch(/userauth-request/);
    expect(session.verdicts.map((v) => v.verdict.status)).toEqual(['match']);
  });

  it('accept-new stores an unknown key only in Proxyscope\'s own file, then trusts it', async () => {
    const home = join(tmp, 'home-accept');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    const userKnownHosts = join(home, '.ssh', 'known_hosts');
    writeFileSync(userKnownHosts, '# user file\n');
    const own = join(tmp, 'proxyscope', 'known_hosts');
    const loaded = await loadKnownHostsFiles([userKnownHosts, own]);
    const session = sessionFor(server, [], { home, hostKeys: { entries: loaded.entries, mode: 'accept-new', acceptNewFile: own } });
    await session.connect();
    session.close();
    expect(session.verdicts[0]).toMatchObject({ accepted: true, verdict: { status: 'unknown' } });
    expect(readFileSync(userKnownHosts, 'utf8')).toBe('# user file\n');
    expect(readFileSync(own, 'utf8')).toBe(`${server.knownHostsLine}\n`);

    const strict = sessionFor(server, [], { home, hostKeys: { entries: (await loadKnownHostsFiles([own])).entries, mode: 'strict' } });
    await strict.connect();
    strict.close();
    expect(strict.verdicts[0].verdict.status).toBe('match');
  });

  it('accept-new still refuses a changed key and writes nothing', async () => {
    const own = join(tmp, 'own-mismatch', 'known_hosts');
    const { entries } = parseKnownHosts(otherKeyLine, 'known_hosts');
    const { err, log } = await refused([], { hostKeys: { entries, mode: 'accept-new', acceptNewFile: own } });
    expect(err.kind).toBe('host-key-mismatch');
    expect(existsSync(own)).toBe(false);
    expect(log).not.toMatch(AUTH_LINES);
  });

  it('reports a rejected key as auth-failed, listing what was offered, one attempt per key', async () => {
    const stranger = await generateKey(tmp, 'stranger');
    const mark = server.logMark();
    const err = await connectError(sessionFor(server, [server.knownHostsLine], {}, { identityFiles: [stranger.path] }));
    expect(err.kind).toBe('auth-failed');
    expect(err.message).toContain(stranger.path);
    expect(err.info.tried).toHaveLength(1);
    const log = await server.waitForLog(END_OF_CONNECTION, mark);
    expect(log.match(/userauth-request for user \S+ service ssh-connection method publickey/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it('uses a passphrase-protected key with the passphrase, and never puts it in messages', async () => {
    const canary = 'canary-passphrase-7f3a9';
    const locked = await generateKey(tmp, 'locked', 'ed25519', canary);
    server.authorize(locked.publicLine);
    const ok = sessionFor(server, [server.knownHostsLine], { passphrase: () => canary }, { identityFiles: [locked.path] });
    await ok.connect();
    ok.close();

    const err = await connectError(sessionFor(server, [server.knownHostsLine], { passphrase: () => undefined }, { identityFiles: [locked.path] }));
    expect(err.kind).toBe('auth-failed');
    expect(err.message).toMatch(/encrypted and no passphrase was given/);
    const wrong = await connectError(sessionFor(server, [server.knownHostsLine], { passphrase: () => `${canary}-wrong` }, { identityFiles: [locked.path] }));
    expect(wrong.message).toMatch(/wrong passphrase/);
    for (const e of [err, wrong]) expect(`${e.message} ${JSON.stringify(e.info)}`).not.toContain(canary);
  });

  it('authenticates through ssh-agent but never forwards it', async () => {
    const agent = await startAgent(tmp, [server.clientKey.path]);
    try {
      const emptyHome = join(tmp, 'home-agent');
      mkdirSync(emptyHome, { recursive: true });
      const mark = server.logMark();
      const session = sessionFor(server, [server.knownHostsLine], { agentSocket: agent.socket, home: emptyHome }, { identityFiles: [] });
      await session.connect();
      expect(await execText(session, 'echo "${SSH_AUTH_SOCK:-unset}"')).toBe('unset\n');
      session.close();
      const log = await server.waitForLog(END_OF_CONNECTION, mark);
      expect(log).toMatch(/Accepted publickey/);
      expect(log).not.toMatch(/auth-agent-req/);

      // Control: this server honours forwarding when a client asks, so the check above means something.
      const mark2 = server.logMark();
      const forwarded = await new Promise<string>((resolveOut, reject) => {
        const c = new Client();
        c.on('error', reject);
        c.on('ready', () =>
          // ssh2 honours agentForward on exec at run time; @types/ssh2 leaves it out of ExecOptions.
          c.exec('echo "${SSH_AUTH_SOCK:-unset}"', { agentForward: true } as ExecOptions, (err, ch) => {
            if (err) return reject(err);
            let out = '';
            ch.on('data', (d: Buffer) => (out += d.toString()));
            ch.on('close', () => (c.end(), resolveOut(out)));
          }),
        );
        c.connect({ host: server.host, port: server.port, username: server.user, agent: agent.socket, agentForward: true, hostVerifier: () => true });
      });
      expect(forwarded).not.toBe('unset\n');
      expect(await server.waitForLog(/auth-agent-req/, mark2)).toBeTruthy();
    } finally {
      agent.stop();
    }
  });

  it('times out on a server that accepts TCP but never sends the SSH banner', async () => {
    const stall = await startStallServer();
    try {
      const session = sessionFor(server, [server.knownHostsLine], { readyTimeoutMs: 800 }, { port: stall.port });
      const err = await connectError(session);
      expect(err.kind).toBe('timeout');
      expect(err.info.timer).toBe('ready');
      expect(stall.accepted()).toBe(1);
    } finally {
      await stall.close();
    }
  });

  it('cancels a connection attempt through AbortSignal', async () => {
    const stall = await startStallServer();
    try {
      const ac = new AbortController();
      const session = sessionFor(server, [server.knownHostsLine], { readyTimeoutMs: 30_000, signal: ac.signal }, { port: stall.port });
      const pending = connectError(session);
      setTimeout(() => ac.abort(), 200);
      expect((await pending).kind).toBe('cancelled');
    } finally {
      await stall.close();
    }
  });

  it('reports a closed port as unreachable', async () => {
    const stall = await startStallServer();
    const port = stall.port;
    await stall.close();
    const err = await connectError(sessionFor(server, [server.knownHostsLine], {}, { port }));
    expect(err.kind).toBe('unreachable');
  });

  const hostile = ['n1; touch MARKER', '$(touch MARKER)', '`touch MARKER`', 'n1\ntouch MARKER', '-oProxyCommand=touch MARKER', 'n1 -oProxyCommand=x', "n1'", 'n1|id'];
  it.each(hostile)('rejects the node address %j as an invalid host before any connection', async (raw) => {
    const marker = join(tmp, `pwned-${hostile.indexOf(raw)}`);
    const address = raw.replace('MARKER', marker);
    const mark = server.logMark();
    expect(() => resolveSshTarget(address)).toThrow(expect.objectContaining({ kind: 'invalid-host' }));
    expect(() => sessionFor(server, [server.knownHostsLine], {}, { host: address })).toThrow(expect.objectContaining({ kind: 'invalid-host' }));
    expect(() => new SshSession({ ...targetFor(server), user: 'root\nid' }, { hostKeys: { entries: [], mode: 'strict' } })).toThrow(/not a valid SSH target/);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.logSince(mark)).not.toMatch(/Connection from/);
    expect(existsSync(marker)).toBe(false);
  });
});

describeWithTools(['sshd', 'ssh-keygen'], 'SshSession through a ProxyJump host', () => {
  let jump: SshdServer;
  let target: SshdServer;
  let configText: string;

  beforeAll(async () => {
    [jump, target] = await Promise.all([startSshd(), startSshd()]);
    target.authorize(jump.clientKey.publicLine);
    configText = [
      'Host bastion',
      '  HostName 127.0.0.1',
      `  Port ${jump.port}`,
      `  User ${jump.user}`,
      `  IdentityFile ${jump.clientKey.path}`,
      'Host 127.0.0.1',
      '  ProxyJump bastion',
      `  IdentityFile ${jump.clientKey.path}`,
    ].join('\n');
  });
  afterAll(async () => {
    await Promise.all([jump?.stop(), target?.stop()]);
  });

  function session(lines: string[]): SshSession {
    const t = resolveSshTarget('127.0.0.1', { config: configText, overrides: { port: target.port }, home: jump.dir });
    return sessionFor(target, lines, {}, t);
  }

  it('dials the target through the jump host, verifying each hop under its own name', async () => {
    const jumpMark = jump.logMark();
    const s = session([jump.knownHostsLine, target.knownHostsLine]);
    await s.connect();
    expect(await execText(s, 'echo via-jump')).toBe('via-jump\n');
    s.close();
    expect(s.verdicts.map((v) => [v.hop, v.jump, v.verdict.status])).toEqual([
      [`127.0.0.1:${jump.port}`, true, 'match'],
      [`127.0.0.1:${target.port}`, false, 'match'],
    ]);
    expect(await jump.waitForLog(/direct-tcpip/, jumpMark)).toMatch(new RegExp(`port ${target.port}`));
  });

  it('refuses an unknown target key behind a trusted jump host, naming the target hop, with no auth to it', async () => {
    const targetMark = target.logMark();
    const err = await connectError(session([jump.knownHostsLine]));
    expect(err.kind).toBe('host-key-unknown');
    expect(err.info).toMatchObject({ hop: `127.0.0.1:${target.port}`, jump: false });
    const log = await target.waitForLog(END_OF_CONNECTION, targetMark);
    expect(log).not.toMatch(AUTH_LINES);
  });

  it('refuses an unknown jump host key and names the jump host', async () => {
    const err = await connectError(session([target.knownHostsLine]));
    expect(err.kind).toBe('host-key-unknown');
    expect(err.info).toMatchObject({ hop: `127.0.0.1:${jump.port}`, jump: true });
    expect(err.message).toMatch(/^jump host /);
  });
});
