import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { descendantPids, killQuietly } from './processes';

// A real OpenSSH sshd (Debian openssh-server) on 127.0.0.1 and a random port, run in the
// foreground with its own config, host key and authorized_keys in a temp dir, the way
// openssh-portable's regress/test-exec.sh does (StrictModes no, UsePAM no). It logs at DEBUG1
// to stderr, which tests read to prove what the client did or did not send (userauth requests,
// auth-agent-req). Sessions get PATH=<bin>:/usr/bin:/bin through SetEnv, so scripts written to
// <bin> stand in for the node's iptables-save, nft, sudo ... while the command string the client
// sends stays exactly the production one.

export const SSHD = '/usr/sbin/sshd';
const run = promisify(execFile);

export interface KeyPair {
  path: string;
  publicLine: string;
}

/** ssh-keygen into `dir`; `passphrase` encrypts the private key. */
export async function generateKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase = ''): Promise<KeyPair> {
  const path = join(dir, name);
  const args = ['-q', '-t', type, '-N', passphrase, '-C', name, '-f', path];
  if (type === 'rsa') args.splice(2, 0, '-b', '2048');
  await run('ssh-keygen', args);
  return { path, publicLine: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** `ssh-keygen -l` for a public key file: `SHA256:...`. */
export async function opensshFingerprint(pubPath: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath]);
  return stdout.split(' ')[1];
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export interface SshdOptions {
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  extraConfig?: string[];
}

export interface SshdServer {
  host: '127.0.0.1';
  port: number;
  dir: string;
  binDir: string;
  user: string;
  hostKey: KeyPair;
  /** A client key listed in authorized_keys. */
  clientKey: KeyPair;
  /** `[127.0.0.1]:port keytype base64` for known_hosts. */
  knownHostsLine: string;
  authorize(publicLine: string): void;
  setScript(name: string, body: string): void;
  removeScript(name: string): void;
  logMark(): number;
  logSince(mark: number): string;
  waitForLog(re: RegExp, mark: number, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startSshd(options: SshdOptions = {}): Promise<SshdServer> {
  const dir = mkdtempSync(join(tmpdir(), 'proxyscope-sshd-'));
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  // sshd's privilege separation directory; only root can create it, and only root needs it.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = await generateKey(dir, 'host_key', options.hostKeyType ?? 'ed25519');
  const clientKey = await generateKey(dir, 'client_key');
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, `${clientKey.publicLine}\n`);
  const user = userInfo().username;

  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const configPath = join(dir, 'sshd_config');
    writeFileSync(
      configPath,
      [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${hostKey.path}`,
        'PidFile none',
        `AuthorizedKeysFile ${authorizedKeys}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        // On purpose: the server would allow it, so only the client can be the reason it never happens.
        'AllowAgentForwarding yes',
        'AllowTcpForwarding yes',
        'LogLevel DEBUG1',
        'MaxStartups 100',
        `SetEnv PATH=${binDir}:/usr/bin:/bin`,
        ...(options.extraConfig ?? []),
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
    const listening = await new Promise<boolean>((resolveStart) => {
      const timer = setTimeout(() => resolveStart(false), 10_000);
      const check = (): void => {
        if (/Server listening on 127\.0\.0\.1 port/.test(log)) {
          clearTimeout(timer);
          resolveStart(true);
        }
      };
      child.stderr?.on('data', check);
      child.once('exit', () => {
        clearTimeout(timer);
        resolveStart(false);
      });
    });
    if (!listening) {
      lastError = log;
      killQuietly(child.pid!);
      continue;
    }
    return makeServer(dir, binDir, port, user, hostKey, clientKey, authorizedKeys, child, () => log);
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`sshd did not start:\n${lastError}`);
}

function makeServer(
  dir: string,
  binDir: string,
  port: number,
  user: string,
  hostKey: KeyPair,
  clientKey: KeyPair,
  authorizedKeys: string,
  child: ChildProcess,
  log: () => string,
): SshdServer {
  const [type, b64] = hostKey.publicLine.split(' ');
  return {
    host: '127.0.0.1',
    port,
    dir,
    binDir,
    user,
    hostKey,
    clientKey,
    knownHostsLine: `[127.0.0.1]:${port} ${type} ${b64}`,
    authorize(publicLine) {
      writeFileSync(authorizedKeys, `${publicLine}\n`, { flag: 'a' });
    },
    setScript(name, body) {
      const path = join(binDir, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
    },
    removeScript(name) {
      rmSync(join(binDir, name), { force: true });
    },
    logMark: () => log().length,
    logSince: (mark) => log().slice(mark),
    async waitForLog(re, mark, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const text = log().slice(mark);
        if (re.test(text)) return text;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`sshd log never matched ${re} within ${timeoutMs} ms:\n${log().slice(mark)}`);
    },
    async stop() {
      // Connection children (some may be SIGSTOPped by a test) first, then the listener.
      if (child.pid) for (const pid of descendantPids(child.pid)) killQuietly(pid);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        killQuietly(child.pid!, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
        killQuietly(child.pid!);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
