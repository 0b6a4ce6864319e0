import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJumpSpec, resolveSshTarget } from '../../../../core/node/ssh/sshConfig';
import type { SshOverrides } from '../../../../core/node/ssh/sshConfig';
import { invalidHostReason } from '../../../../core/node/ssh/hostValidation';

const HOME = '/home/alice';
const tmp = mkdtempSync(join(tmpdir(), 'proxyscope-sshconfig-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CONFIG = `
Host bastion
  HostName bastion.example.com
  User jump
  Port 2200
  IdentityFile ~/.ssh/bastion_key

Host inner-bastion
  HostName 10.9.9.9
  ProxyJump bastion

Host 10.0.*.* !10.0.9.*
  User ubuntu
  Port 2022
  ProxyJump bastion
  IdentityFile ~/.ssh/nodes_%r_%h
  IdentityFile /keys/second

Host 10.0.9.*
  ProxyJump inner-bastion,bastion

Host direct-*
  ProxyJump none
  IdentityAgent none

Host *
  User default-user
  IdentityFile ~/.ssh/id_default
`;

interface Case {
  name: string;
  address: string;
  overrides?: SshOverrides;
  want: Record<string, unknown>;
  jumps?: string[];
}

const cases: Case[] = [
  {
    name: 'Host patterns set user, port and token-expanded identity files; first value wins over Host *',
    address: '10.0.1.5',
    want: { host: '10.0.1.5', user: 'ubuntu', port: 2022, identityFiles: [`${HOME}/.ssh/nodes_ubuntu_10.0.1.5`, '/keys/second', `${HOME}/.ssh/id_default`] },
    jumps: ['jump@bastion.example.com:2200'],
  },
  {
    name: 'a negated pattern excludes a subnet from a Host block',
    address: '10.0.9.7',
    want: { user: 'default-user', port: 22 },
    jumps: ['jump@bastion.example.com:2200', 'default-user@10.9.9.9:22', 'jump@bastion.example.com:2200'],
  },
  {
    name: 'overrides win over the config, like ssh -l/-p/-J',
    address: '10.0.1.5',
    overrides: { user: 'root', port: 22, jump: 'admin@gw.example:2201' },
    want: { user: 'root', port: 22 },
    jumps: ['admin@gw.example:2201'],
  },
  {
    name: 'ProxyJump none and IdentityAgent none switch them off',
    address: 'direct-1.example',
    want: { identityAgent: null, port: 22 },
    jumps: [],
  },
  {
    name: 'a node without a matching block gets Host * only',
    address: 'node-7.cluster.local',
    want: { host: 'node-7.cluster.local', user: 'default-user', port: 22 },
    jumps: [],
  },
];

describe('resolveSshTarget', () => {
  it.each(cases)('$name', ({ address, overrides, want, jumps }) => {
    const t = resolveSshTarget(address, { config: CONFIG, overrides, home: HOME, localUser: 'alice' });
    expect(t).toMatchObject(want);
    if (jumps) expect(t.jumps.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual(jumps);
  });

  it('uses the local user and port 22 without a config', () => {
    expect(resolveSshTarget('10.1.2.3', { home: HOME, localUser: 'alice' })).toMatchObject({ user: 'alice', port: 22, identityFiles: [], jumps: [] });
  });

  it('refuses ProxyCommand: it would run a local program', () => {
    expect(() => resolveSshTarget('n1.example', { config: 'Host n1.example\n  ProxyCommand nc %h %p\n', home: HOME })).toThrow(/ProxyCommand/);
  });

  it('never runs Match exec while reading the config', () => {
    const marker = join(tmp, 'match-exec-ran');
    const t = resolveSshTarget('n1.example', { config: `Match exec "touch ${marker}"\n  User evil\n`, home: HOME, localUser: 'alice' });
    expect(t.user).toBe('alice');
    expect(existsSync(marker)).toBe(false);
  });

  it('detects a ProxyJump loop', () => {
    expect(() => resolveSshTarget('a.example', { config: 'Host a.example\n  ProxyJump b.example\nHost b.example\n  ProxyJump a.example\n', home: HOME })).toThrow(/loop/);
  });

  it.each(['bad host!', 'x;id', '-oProxyCommand=x'])('refuses the HostName %j from a config', (hostName) => {
    expect(() => resolveSshTarget('n1.example', { config: `Host n1.example\n  HostName ${hostName}\n`, home: HOME })).toThrow(expect.objectContaining({ kind: 'invalid-host' }));
  });
});

describe('parseJumpSpec', () => {
  it.each([
    ['bastion', { host: 'bastion' }],
    ['me@bastion:2200', { user: 'me', host: 'bastion', port: 2200 }],
    ['ssh://me@bastion:2200', { user: 'me', host: 'bastion', port: 2200 }],
    ['[fd00::1]:2200', { host: 'fd00::1', port: 2200 }],
    ['fd00::1', { host: 'fd00::1' }],
  ])('reads %s', (raw, want) => {
    expect(parseJumpSpec(raw)).toEqual({ user: undefined, port: undefined, ...want });
  });
});

describe('invalidHostReason', () => {
  it.each(['10.0.0.1', 'fd00::1', 'node-1', 'ip-10-0-0-1.ec2.internal', 'a.b.c.'])('accepts %s', (h) => {
    expect(invalidHostReason(h)).toBeNull();
  });
  it.each(['', 'n1;id', 'n1 x', '$(id)', '`id`', 'n1\n', '-oProxyCommand=x', 'under_score', 'a..b', '-a', 'x'.repeat(254), 'é.example'])('refuses %j', (h) => {
    expect(invalidHostReason(h)).not.toBeNull();
  });
});
