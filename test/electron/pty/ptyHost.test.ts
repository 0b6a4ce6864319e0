import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../core/common/contract';
import { createPtyHost, terminalEnv } from '../../../electron/main/pty/ptyHost';
import type { PtyHost } from '../../../electron/main/pty/ptyHost';
import { describeWithTools } from '../../helpers/requireTool';
import { startSshd } from '../../helpers/sshd/sshdServer';
import type { SshdServer } from '../../helpers/sshd/sshdServer';

// The pty host with the REAL node-pty. A small /bin/sh script stands in for ssh to show the exact
// argv, the pty size, input, exit codes and that close() kills the whole process group; one test
// runs the real OpenSSH client against a loopback sshd.

interface Recorder {
  events: ApiEvent[];
  emit: (e: ApiEvent) => void;
  output(id: string): string;
  waitFor(pred: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  exitOf(id: string): Extract<ApiEvent, { type: 'terminal-exit' }> | undefined;
}

function recorder(): Recorder {
  const events: ApiEvent[] = [];
  const r: Recorder = {
    events,
    emit: (e) => events.push(e),
    output: (id) =>
      events
        .filter((e): e is Extract<ApiEvent, { type: 'terminal-data' }> => e.type === 'terminal-data' && e.terminalId === id)
        .map((e) => e.data)
        .join(''),
    async waitFor(pred, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events).slice(0, 2000)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    exitOf: (id) => events.find((e): e is Extract<ApiEvent, { type: 'terminal-exit' }> => e.type === 'terminal-exit' && e.terminalId === id),
  };
  return r;
}

/** Running (a zombie waiting for init to reap it counts as dead). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

describe('createPtyHost with a stand-in ssh script', () => {
  let dir: string;
  let fakeSsh: string;
  let host: PtyHost | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'proxyscope-pty-'));
    fakeSsh = join(dir, 'fake-ssh');
    writeFileSync(
      fakeSsh,
      [
        '#!/bin/sh',
        'for a in "$@"; do printf "ARG[%s]\\n" "$a"; done',
        'printf "ENV[%s]\\n" "$(env | cut -d= -f1 | sort | tr "\\n" " ")"',
        // For host "stubborn": a child that ignores SIGHUP, like a stuck ProxyCommand; only the
        // group SIGKILL ends it.
        'case " $* " in *" stubborn "*) (trap \'\' HUP; exec sleep 1000) & echo "BGPID[$!]" ;; esac',
        'echo READY',
        'while IFS= read -r line; do',
        '  case "$line" in',
        '    size) echo "SIZE[$(stty size)]" ;;',
        '    exit*) kill $! 2>/dev/null; exit "${line#exit }" ;;',
        '    *) echo "GOT[$line]" ;;',
        '  esac',
        'done',
        '',
      ].join('\n'),
    );
    chmodSync(fakeSsh, 0o755);
  });
  afterEach(() => host?.closeAll());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('spawns the ssh binary with the argv array from sshArgv, unchanged', async () => {
    const r = recorder();
    host = createPtyHost(r.emit, { sshPath: fakeSsh, env: { PATH: process.env.PATH, HOME: dir, SECRET_TOKEN: 'x', KUBECONFIG: '/k' } });
    const opened = host.open({ host: 'node-1', port: 2222, user: 'core', knownHostsFile: '/tmp/kh' }, 80, 24);
    expect(opened.ok).toBe(true);
    const id = opened.ok ? opened.value.terminalId : '';
    await r.waitFor(() => r.output(id).includes('READY'), 'READY');
    const args = [...r.output(id).matchAll(/ARG\[(.*?)\]\r?\n/g)].map((m) => m[1]);
    expect(args).toEqual([
      '-o', 'StrictHostKeyChecking=yes', '-o', 'ForwardAgent=no', '-o', 'ForwardX11=no', '-o', 'ClearAllForwardings=yes',
      '-o', 'PermitLocalCommand=no', '-o', 'BatchMode=no', '-p', '2222', '-l', 'core', '-o', 'UserKnownHostsFile=/tmp/kh', '-t', '--', 'node-1',
    ]);
    const env = /ENV\[(.*?)\]/.exec(r.output(id))?.[1] ?? '';
    expect(env).toContain('TERM');
    expect(env).not.toContain('SECRET_TOKEN');
    expect(env).not.toContain('KUBECONFIG');
  });

  it('sends input, applies resize (stty size) and reports the exit code', async () => {
    const r = recorder();
    host = createPtyHost(r.emit, { sshPath: fakeSsh, env: { PATH: process.env.PATH, HOME: dir } });
    const opened = host.open({ host: 'n1', port: 22 }, 100, 30);
    const id = opened.ok ? opened.value.terminalId : '';
    await r.waitFor(() => r.output(id).includes('READY'), 'READY');
    expect(host.input(id, 'size\r')).toEqual({ ok: true, value: true });
    await r.waitFor(() => r.output(id).includes('SIZE[30 100]'), 'the initial size');
    expect(host.resize(id, 132, 43)).toEqual({ ok: true, value: true });
    host.input(id, 'size\r');
    await r.waitFor(() => r.output(id).includes('SIZE[43 132]'), 'the new size');
    host.input(id, 'hello ü\r');
    await r.waitFor(() => r.output(id).includes('GOT[hello ü]'), 'echoed utf8 input');
    host.input(id, 'exit 7\r');
    await r.waitFor(() => r.exitOf(id) !== undefined, 'exit');
    expect(r.exitOf(id)).toEqual({ type: 'terminal-exit', terminalId: id, exitCode: 7, signal: null });
    expect(host.count()).toBe(0);
    expect(host.input(id, 'x').ok).toBe(false);
  });

  it('close() kills the whole process group, including children that ignore SIGHUP', async () => {
    const r = recorder();
    host = createPtyHost(r.emit, { sshPath: fakeSsh, env: { PATH: process.env.PATH, HOME: dir }, killGraceMs: 200 });
    const opened = host.open({ host: 'stubborn', port: 22 }, 80, 24);
    const id = opened.ok ? opened.value.terminalId : '';
    await r.waitFor(() => r.output(id).includes('READY'), 'READY');
    const bg = Number(/BGPID\[(\d+)\]/.exec(r.output(id))?.[1]);
    expect(alive(bg)).toBe(true);
    expect(host.close(id)).toEqual({ ok: true, value: true });
    await r.waitFor(() => r.exitOf(id) !== undefined, 'exit after close');
    await r.waitFor(() => !alive(bg), 'the background child to die');
    expect(r.exitOf(id)?.signal).not.toBeNull();
  });

  it.each([
    ['an option-looking host', { host: '-oProxyCommand=touch /tmp/x', port: 22 }, 24, 'bad-request'],
    ['a host with a newline', { host: 'a\nb', port: 22 }, 24, 'bad-request'],
    ['a zero-row size', { host: 'n1', port: 22 }, 0, 'bad-request'],
  ] as const)('refuses %s without spawning anything', (_name, target, rows, code) => {
    const r = recorder();
    let spawned = 0;
    host = createPtyHost(r.emit, {
      sshPath: fakeSsh,
      spawn: (() => {
        spawned++;
        throw new Error('must not spawn');
      }) as never,
    });
    const res = host.open(target, 80, rows);
    expect(res.ok ? 'ok' : res.error.code).toBe(code);
    expect(spawned).toBe(0);
  });

  it('caps the number of open terminals and the input size, and uses random ids', async () => {
    const r = recorder();
    host = createPtyHost(r.emit, { sshPath: fakeSsh, env: { PATH: process.env.PATH, HOME: dir }, maxTerminals: 2 });
    const a = host.open({ host: 'n1', port: 22 }, 80, 24);
    const b = host.open({ host: 'n2', port: 22 }, 80, 24);
    const c = host.open({ host: 'n3', port: 22 }, 80, 24);
    expect(a.ok && b.ok).toBe(true);
    expect(c.ok ? 'ok' : c.error.code).toBe('failed');
    const ida = a.ok ? a.value.terminalId : '';
    const idb = b.ok ? b.value.terminalId : '';
    expect(ida).not.toBe(idb);
    expect(ida).toMatch(/^term-[0-9a-f]{24}$/);
    const big = host.input(ida, 'x'.repeat(64 * 1024 + 1));
    expect(big.ok ? 'ok' : big.error.code).toBe('bad-request');
    expect(host.resize(ida, 0, 10).ok).toBe(false);
    expect(host.close('term-unknown').ok).toBe(false);
  });

  it('fails cleanly when the ssh binary does not exist', () => {
    host = createPtyHost(() => undefined, { sshPath: join(dir, 'no-such-ssh') });
    const res = host.open({ host: 'n1', port: 22 }, 80, 24);
    expect(res.ok ? 'ok' : res.error.code).toBe('failed');
  });

  it('builds a minimal child environment with TERM=xterm-256color', () => {
    const env = terminalEnv({ HOME: '/h', PATH: '/p', AWS_SECRET_ACCESS_KEY: 's', SSH_AUTH_SOCK: '/a', LANG: 'C.UTF-8' });
    expect(env).toEqual({ HOME: '/h', PATH: '/p', SSH_AUTH_SOCK: '/a', LANG: 'C.UTF-8', TERM: 'xterm-256color' });
  });
});

describeWithTools(['sshd', 'ssh', 'ssh-keygen'], 'createPtyHost with the real ssh client and a loopback sshd', () => {
  let server: SshdServer;
  let host: PtyHost | undefined;

  beforeAll(async () => {
    server = await startSshd();
  });
  afterEach(() => host?.closeAll());
  afterAll(async () => {
    await server?.stop();
  });

  it('runs a command through the pty and exits with its status', async () => {
    const knownHosts = join(server.dir, 'known_hosts_ok');
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
    const r = recorder();
    host = createPtyHost(r.emit, { env: { PATH: process.env.PATH, HOME: server.dir, LANG: 'C.UTF-8' } });
    const opened = host.open(
      { host: server.host, port: server.port, user: server.user, identityFile: server.clientKey.path, knownHostsFile: knownHosts },
      80,
      24,
    );
    expect(opened.ok).toBe(true);
    const id = opened.ok ? opened.value.terminalId : '';
    // The quotes make the typed line differ from its output, so "hello" proves the remote shell ran it.
    host.input(id, 'echo hel""lo; exit 3\r');
    await r.waitFor(() => r.exitOf(id) !== undefined, 'the remote shell to exit', 20_000);
    expect(r.output(id)).toMatch(/hello\r?\n/);
    expect(r.exitOf(id)?.exitCode).toBe(3);
  });

  it('refuses a host whose key is not in known_hosts (StrictHostKeyChecking=yes)', async () => {
    const knownHosts = join(server.dir, 'known_hosts_empty');
    writeFileSync(knownHosts, '');
    const r = recorder();
    host = createPtyHost(r.emit, { env: { PATH: process.env.PATH, HOME: server.dir } });
    const opened = host.open(
      { host: server.host, port: server.port, user: server.user, identityFile: server.clientKey.path, knownHostsFile: knownHosts },
      80,
      24,
    );
    const id = opened.ok ? opened.value.terminalId : '';
    await r.waitFor(() => r.exitOf(id) !== undefined, 'ssh to give up', 20_000);
    expect(r.exitOf(id)?.exitCode).toBe(255);
    expect(r.output(id)).toMatch(/Host key verification failed|No .* host key is known/);
    // Nothing was accepted into the file either.
    expect(execFileSync('cat', [knownHosts]).toString()).toBe('');
  });
});
