import { describe, expect, it } from 'vitest';
import { normalizeCidr } from '../../../../../core/common/checks/catalog/cidr';

const cases: [string, string][] = [
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['10.1.2.3/8', '10.0.0.0/8'],
  [' 192.168.1.7/24 ', '192.168.1.0/24'],
  ['1.2.3.4', '1.2.3.4/32'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['FD00:0:0::/64', 'fd00::/64'],
  ['fd00:1:2:3:4:5:6:7/48', 'fd00:1:2::/48'],
  ['2001:db8::1', '2001:db8::1/128'],
  ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
  ['not-a-cidr', 'not-a-cidr'],
  ['10.0.0.0/33', '10.0.0.0/33'],
];

describe('normalizeCidr', () => {
  it.each(cases)('%s is printed as %s', (input, want) => {
    expect(normalizeCidr(input)).toBe(want);
  });
});
