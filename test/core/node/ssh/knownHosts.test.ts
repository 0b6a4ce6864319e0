import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { hashHostName, knownHostsName, matchHashedHost, matchPattern, matchPatternList } from '../../../../core/node/ssh/hostPattern';
import { entriesForHost, knownKeyTypes, parseKnownHosts, verifyHostKey } from '../../../../core/node/ssh/knownHosts';
import type { HostKeyStatus } from '../../../../core/node/ssh/knownHosts';
import { keyBlobType, sha256Fingerprint } from '../../../../core/node/ssh/hostKeyBlob';

function pub(type: 'ed25519' | 'ecdsa'): { type: string; b64: string; blob: Buffer } {
  const line = (type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256 }) : utils.generateKeyPairSync('ed25519')).public;
  const [t, b64] = line.split(' ');
  return { type: t, b64, blob: Buffer.from(b64, 'base64') };
}

const A = pub('ed25519');
const B = pub('ed25519');
const E = pub('ecdsa');
const salt = randomBytes(20);
const line = (names: string, k = A): string => `${names} ${k.type} ${k.b64}`;

interface Case {
  name: string;
  file: string[];
  host: string;
  port: number;
  key?: typeof A;
  want: HostKeyStatus;
  detail?: RegExp;
}

const cases: Case[] = [
  { name: 'a plain host on port 22 matches', file: [line('node1,10.0.0.1')], host: '10.0.0.1', port: 22, want: 'match' },
  { name: 'host names compare case-insensitively', file: [line('Node1.Example.COM')], host: 'node1.example.com', port: 22, want: 'match' },
  { name: 'a non-default port is looked up as [host]:port', file: [line('[10.0.0.1]:2222')], host: '10.0.0.1', port: 2222, want: 'match' },
  { name: 'a plain host line does not cover another port', file: [line('10.0.0.1')], host: '10.0.0.1', port: 2222, want: 'unknown' },
  { name: '[host]:22 is not how port 22 is written', file: [line('[10.0.0.1]:22')], host: '10.0.0.1', port: 22, want: 'unknown' },
  { name: 'an IPv6 address with a port is bracketed', file: [line('[fd00::1]:2222')], host: 'fd00::1', port: 2222, want: 'match' },
  { name: '* matches any run of characters', file: [line('*.nodes.example')], host: 'w1.nodes.example', port: 22, want: 'match' },
  { name: '? matches exactly one character', file: [line('node?')], host: 'node12', port: 22, want: 'unknown' },
  { name: 'a wildcard also matches the [host]:port form', file: [line('[10.0.0.*]:2222')], host: '10.0.0.9', port: 2222, want: 'match' },
  { name: 'a matching negation vetoes the whole line', file: [line('*.example,!bad.example')], host: 'bad.example', port: 22, want: 'unknown' },
  { name: 'a negation that does not match leaves the positive match', file: [line('*.example,!bad.example')], host: 'good.example', port: 22, want: 'match' },
  { name: 'a negation alone never matches', file: [line('!bad.example')], host: 'good.example', port: 22, want: 'unknown' },
  { name: 'a hashed entry (ssh-keygen -H) matches its host', file: [line(hashHostName('10.0.0.1', salt))], host: '10.0.0.1', port: 22, want: 'match' },
  { name: 'a hashed entry is keyed by [host]:port on other ports', file: [line(hashHostName('[10.0.0.1]:2222', salt))], host: '10.0.0.1', port: 2222, want: 'match' },
  { name: 'a hashed entry does not match another host', file: [line(hashHostName('10.0.0.1', salt))], host: '10.0.0.2', port: 22, want: 'unknown' },
  { name: 'the same type with another key is a mismatch', file: [line('node1', B)], host: 'node1', port: 22, want: 'mismatch', detail: /HOST KEY CHANGED/ },
  { name: 'several keys per host: any identical one matches', file: [line('node1', B), line('node1', E), line('node1', A)], host: 'node1', port: 22, want: 'match' },
  { name: 'only other key types known is unknown, and says so', file: [line('node1', E)], host: 'node1', port: 22, want: 'unknown', detail: /only ecdsa-sha2-nistp256/ },
  { name: '@revoked refuses the key even when a plain line matches', file: [line('node1'), `@revoked * ${A.type} ${A.b64}`], host: 'node1', port: 22, want: 'revoked', detail: /@revoked/ },
  { name: '@revoked for another key does not affect this one', file: [line('node1'), `@revoked * ${B.type} ${B.b64}`], host: 'node1', port: 22, want: 'match' },
  { name: '@revoked for another host does not apply', file: [line('node1'), `@revoked node2 ${A.type} ${A.b64}`], host: 'node1', port: 22, want: 'match' },
  { name: '@cert-authority is never a match, even with the same key', file: [`@cert-authority * ${A.type} ${A.b64}`], host: 'node1', port: 22, want: 'unknown', detail: /not supported/ },
  { name: 'comments and blank lines are skipped', file: ['# comment', '', `  ${line('node1')} a comment`], host: 'node1', port: 22, want: 'match' },
];

describe('verifyHostKey', () => {
  it.each(cases)('$name', ({ file, host, port, key, want, detail }) => {
    const { entries, malformed } = parseKnownHosts(file.join('\n'), 'kh');
    expect(malformed).toEqual([]);
    const k = key ?? A;
    const v = verifyHostKey(entries, host, port, k.type, k.blob);
    expect(v.status).toBe(want);
    expect(v.fingerprint).toBe(sha256Fingerprint(k.blob));
    expect(v.detail).toContain(v.fingerprint);
    if (detail) expect(v.detail).toMatch(detail);
  });

  it('names both fingerprints and the line on a mismatch', () => {
    const { entries } = parseKnownHosts(`${line('node1', B)}\n`, '/kh');
    const v = verifyHostKey(entries, 'node1', 22, A.type, A.blob);
    expect(v.knownFingerprints).toEqual([sha256Fingerprint(B.blob)]);
    expect(v.sources).toEqual(['/kh:1']);
    expect(v.detail).toContain(sha256Fingerprint(B.blob));
  });
});

describe('parseKnownHosts', () => {
  const bad: [string, string, RegExp][] = [
    ['an unknown marker', `@trusted node1 ${A.type} ${A.b64}`, /unknown marker/],
    ['a line with no key', 'node1 ssh-ed25519', /expected host names/],
    ['a key that is not of its stated type', `node1 ssh-rsa ${A.b64}`, /does not decode as ssh-rsa/],
    ['garbage base64', 'node1 ssh-ed25519 !!!!', /does not decode/],
    ['a hashed name with a short salt', `|1|AAAA|${salt.toString('base64')} ${A.type} ${A.b64}`, /20 bytes/],
    ['an unknown hash format', `|2|x|y ${A.type} ${A.b64}`, /unsupported hashed/],
  ];
  it.each(bad)('collects %s as malformed instead of throwing', (_n, text, reason) => {
    const r = parseKnownHosts(`${text}\n${line('ok')}`, 'f');
    expect(r.entries).toHaveLength(1);
    expect(r.malformed).toHaveLength(1);
    expect(r.malformed[0].source).toBe('f:1');
    expect(r.malformed[0].reason).toMatch(reason);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = parseKnownHosts(text, 'fuzz');
        expect(r.entries.length + r.malformed.length).toBeLessThanOrEqual(text.split('\n').length);
      }),
      { numRuns: 500 },
    );
  });

  it('lists known key types of a host without revoked or CA lines', () => {
    const { entries } = parseKnownHosts([line('n1', A), line('n1', E), `@revoked n1 ${B.type} ${B.b64}`, line('n2', A)].join('\n'), 'f');
    expect(knownKeyTypes(entries, 'n1', 22).sort()).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
    expect(entriesForHost(entries, 'n1', 22)).toHaveLength(3);
  });
});

describe('host patterns', () => {
  // Reference: translate the glob into an anchored regular expression.
  const reference = (text: string, pattern: string): boolean =>
    new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(text);

  it('matchPattern agrees with a regex translation of the glob', () => {
    const alpha = fc.constantFrom('a', 'b', '.', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 12 }), fc.string({ unit: alpha, maxLength: 8 }), (text, pattern) => {
        expect(matchPattern(text, pattern)).toBe(reference(text, pattern));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['x', ['x'], 1],
    ['x', ['!x', 'x'], -1],
    ['x', ['y', '!z'], 0],
    ['X', ['x'], 1],
  ] as const)('matchPatternList(%s, %j) is %d', (name, pats, want) => {
    expect(matchPatternList(name, pats)).toBe(want);
  });

  it('hashes names exactly as they are looked up', () => {
    fc.assert(
      fc.property(fc.domain(), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        const s = randomBytes(20);
        const [, , salt64, hash64] = hashHostName(knownHostsName(host, port), s).split('|');
        expect(matchHashedHost(knownHostsName(host, port), Buffer.from(salt64, 'base64'), Buffer.from(hash64, 'base64'))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('reads the key type out of a key blob', () => {
    expect(keyBlobType(A.blob)).toBe('ssh-ed25519');
    expect(keyBlobType(Buffer.from([0, 0, 0, 200, 1]))).toBeNull();
  });
});
