import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  hashAndTruncate,
  iptablesChainSuffix,
  iptablesEndpointChainName,
  isIptablesEndpointChainName,
  joinHostPort,
  servicePortName,
} from '../../../core/common/kube/chainNames';
import { base32Encode } from '../../../core/common/kube/base32';
import { hashPrefix } from '../../../core/common/kube/sha256Short';

// core/common hashes chain names with its own pure-JS SHA-256 (kube/sha256Short.ts). OpenSSL's
// SHA-256 (node:crypto) is an independent oracle: every chain name must come out the same.
// (node:crypto is not used at run time: for these ~40-byte inputs createHash costs ~2 µs per call
// against ~0.7 µs for the pure-JS loop, measured on the 10k-Service benchmark node.)

const opensslPrefix = (input: string, chars: number): string => base32Encode(createHash('sha256').update(input, 'utf8').digest(), chars);

// shared/reference/kube-proxy-dataplane.md §3.3
const serviceVectors = [
  { input: 'default/kubernetes:httpstcp', want: 'NPX46M4PTMTKRN6Y' },
  { input: 'kube-system/kube-dns:dnsudp', want: 'TCOU7JCQXEZGVUNU' },
  { input: 'kube-system/kube-dns:dns-tcptcp', want: 'ERIFXISQEP7F7OF4' },
  { input: 'kube-system/kube-dns:metricstcp', want: 'JD5MR3NA4I4DYORP' },
  { input: 'default/nginxtcp', want: '2CMXP7HKUVJN7L6M' },
  { input: 'default/nginxtcp10.64.2.4:80', want: 'YVT6EXXEKT4LDXBC' },
  { input: 'ns4/svc4:p80tcp10.180.0.5:80', want: 'C6EBXVWJJZMIWKLZ' },
  { input: 'default/echoserver:tcp', want: 'ZFAVNEBGNVMBQPKH' },
] as const;

const dnsLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
const proto = fc.constantFrom('tcp', 'udp', 'sctp');
const ipv4 = fc.ipV4();
const ip = fc.oneof(ipv4, fc.ipV6());
const port = fc.integer({ min: 1, max: 65535 });

describe('chain-name hashing agrees with node:crypto (OpenSSL)', () => {
  it.each(serviceVectors)('hashes the reference input "$input" to $want with both implementations', ({ input, want }) => {
    expect(hashPrefix(input, 16)).toBe(want);
    expect(opensslPrefix(input, 16)).toBe(want);
  });

  it('gives the same KUBE-SVC suffix for any Service port, named or unnamed, both unnamed-port forms', () => {
    fc.assert(
      fc.property(dnsLabel, dnsLabel, fc.oneof(fc.constant(''), dnsLabel), proto, fc.constantFrom('current', 'legacy'), (ns, name, portName, p, form) => {
        const spn = servicePortName(ns, name, portName, form);
        expect(iptablesChainSuffix(spn, p)).toBe(opensslPrefix(spn + p, 16));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same KUBE-SEP name for any endpoint, and the in-place comparison accepts exactly that name', () => {
    fc.assert(
      fc.property(dnsLabel, dnsLabel, dnsLabel, proto, ip, port, (ns, name, portName, p, addr, prt) => {
        const spn = servicePortName(ns, name, portName);
        const ep = joinHostPort(addr, prt);
        const want = `KUBE-SEP-${opensslPrefix(spn + p + ep, 16)}`;
        expect(iptablesEndpointChainName(spn, p, ep)).toBe(want);
        expect(isIptablesEndpointChainName(want, spn, p, addr, prt)).toBe(true);
        expect(isIptablesEndpointChainName(`KUBE-SEP-${opensslPrefix(`${spn}${p}${ep}x`, 16)}`, spn, p, addr, prt)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same nftables HASH8 for any base', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (base) => {
        expect(hashAndTruncate(base).slice(0, 8)).toBe(opensslPrefix(base, 8));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same digest prefix for any string, block-boundary lengths and non-ASCII included', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 60 })), fc.integer({ min: 1, max: 52 }), (s, n) => {
        expect(hashPrefix(s, n)).toBe(opensslPrefix(s, n));
      }),
      { numRuns: 500 },
    );
    for (let n = 40; n < 140; n++) expect(hashPrefix('y'.repeat(n), 16)).toBe(opensslPrefix('y'.repeat(n), 16));
  });
});
