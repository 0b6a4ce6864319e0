import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_COMMANDS, nodeCommand, remoteCommandFor, shellQuote, WATCH_SCRIPT } from '../../../../core/node/collect/commands';
import type { NodeCommandId } from '../../../../core/node/collect/commands';
import { waitUntilGone } from '../../../helpers/sshd/processes';

const tmp = mkdtempSync(join(tmpdir(), 'proxyscope-commands-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a remote command string with the local /bin/sh, stdin kept open like an SSH channel's. */
function runLocally(command: string, path: string, closeStdinAfterMs?: number): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolveRun) => {
    const child = spawn('/bin/sh', ['-c', command], { env: { PATH: `${path}:/usr/bin:/bin` }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    if (closeStdinAfterMs !== undefined) setTimeout(() => child.stdin.end(), closeStdinAfterMs);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolveRun({ code, stdout });
    });
  });
}

function script(dir: string, name: string, body: string): void {
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
}

describe('the command allowlist', () => {
  const expected: [NodeCommandId, string, string][] = [
    ['iptables-save', 'iptables-save.txt', 'iptables-save'],
    ['iptables-legacy-save', 'iptables-legacy-save.txt', 'iptables-legacy-save'],
    ['ip6tables-save', 'ip6tables-save.txt', 'ip6tables-save'],
    ['ip6tables-legacy-save', 'ip6tables-legacy-save.txt', 'ip6tables-legacy-save'],
    ['nft-json', 'nft.json', 'nft -j list ruleset'],
    ['nft-text', 'nft.txt', 'nft list ruleset'],
    ['ipvsadm', 'ipvsadm.txt', 'ipvsadm -Ln --exact'],
    ['ipset', 'ipset.txt', 'ipset list'],
    ['ip-addr', 'ip-addr.txt', 'ip -o addr show'],
    ['conntrack', 'conntrack.txt', 'conntrack -L'],
    ['proxy-mode', 'proxy-mode.txt', 'curl -sS --max-time 10 http://127.0.0.1:10249/proxyMode'],
    ['healthz', 'healthz.txt', 'curl -sS --max-time 10 http://127.0.0.1:10256/healthz'],
    ['metrics', 'metrics.txt', 'curl -sS --max-time 10 http://127.0.0.1:10249/metrics'],
  ];

  it.each(expected)('%s writes %s and runs `%s`', (id, file, argv) => {
    const c = nodeCommand(id);
    expect(c.file).toBe(file);
    expect(c.variants[0].join(' ')).toBe(argv);
    expect(remoteCommandFor(id, { sudo: false, timeoutSec: 60 })).toBe(`sh -c '${WATCH_SCRIPT}' proxyscope env LC_ALL=C timeout -k 5 60 ${argv}`);
  });

  it('covers every allowlisted command and nothing else', () => {
    expect(NODE_COMMANDS.map((c) => c.id).sort()).toEqual(expected.map((e) => e[0]).sort());
  });

  it('is frozen, so nothing at run time can add or change a command', () => {
    expect(Object.isFrozen(NODE_COMMANDS)).toBe(true);
    for (const c of NODE_COMMANDS) {
      expect(Object.isFrozen(c)).toBe(true);
      expect(Object.isFrozen(c.variants)).toBe(true);
      for (const v of c.variants) expect(Object.isFrozen(v)).toBe(true);
    }
  });

  it('falls back from curl to wget for kube-proxy\'s HTTP endpoints', () => {
    expect(remoteCommandFor('healthz', { sudo: false, timeoutSec: 20, variant: 1 })).toMatch(/timeout -k 5 20 wget -q -T 10 -O - http:\/\/127\.0\.0\.1:10256\/healthz$/);
  });

  it('puts sudo -n outside timeout so the bound runs as root too', () => {
    expect(remoteCommandFor('conntrack', { sudo: true, timeoutSec: 30 })).toMatch(/ proxyscope env LC_ALL=C sudo -n timeout -k 5 30 conntrack -L$/);
  });

  it.each([0, -1, 1.5, Number.NaN, 86_401])('refuses the timeout %s', (t) => {
    expect(() => remoteCommandFor('ipset', { sudo: false, timeoutSec: t })).toThrow(/timeoutSec/);
  });

  it('refuses ids outside the allowlist', () => {
    expect(() => remoteCommandFor('rm -rf /' as NodeCommandId, { sudo: false, timeoutSec: 5 })).toThrow(/not an allowlisted command/);
  });
});

describe('shellQuote', () => {
  it('round-trips any string through /bin/sh as one word', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', minLength: 0, maxLength: 20 }).map((s) => s.replace(/\0/g, '')), { minLength: 1, maxLength: 4 }), (words) => {
        const out = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`]);
        expect(out.stdout.toString('utf8').split('\0').slice(0, -1)).toEqual(words);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the remote wrapper, run by a local /bin/sh', () => {
  const bin = join(tmp, 'bin');
  spawnSync('mkdir', ['-p', bin]);

  it('passes the argv through unchanged and returns the command\'s exit status', async () => {
    script(bin, 'ipvsadm', 'printf "%s|" "$@"; exit 3');
    const r = await runLocally(remoteCommandFor('ipvsadm', { sudo: false, timeoutSec: 30 }), bin);
    expect(r.stdout).toBe('-Ln|--exact|');
    expect(r.code).toBe(3);
  });

  it('stops the command when stdin reaches EOF (the channel closed)', async () => {
    const sleepArg = `293.${process.pid}${Date.now() % 1000}`;
    script(bin, 'ipset', `exec sleep ${sleepArg}`);
    const r = await runLocally(remoteCommandFor('ipset', { sudo: false, timeoutSec: 300 }), bin, 300);
    expect(r.code).not.toBe(0);
    expect(await waitUntilGone([`sleep ${sleepArg}`], 8_000)).toEqual([]);
  });
});
