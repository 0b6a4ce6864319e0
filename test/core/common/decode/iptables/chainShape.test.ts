import { describe, expect, it } from 'vitest';
import { chainRole, chainShape, isShaped, rolePrefix } from '../../../../../core/common/decode/iptables/chainShape';

describe('chainShape', () => {
  it.each([
    { name: 'KUBE-SVC-XPGD46QRK7WJZT7O', role: 'svc', suffix: 'XPGD46QRK7WJZT7O' },
    { name: 'KUBE-SVL-AQI2S6QIMU7PVVRP', role: 'svl', suffix: 'AQI2S6QIMU7PVVRP' },
    { name: 'KUBE-EXT-GNZBNJ2PO5MGZ6GT', role: 'ext', suffix: 'GNZBNJ2PO5MGZ6GT' },
    { name: 'KUBE-FW-NUKIZ6OKUXPJNT4C', role: 'fw', suffix: 'NUKIZ6OKUXPJNT4C' },
    { name: 'KUBE-XLB-QKNQQNIN727HO3XU', role: 'xlb', suffix: 'QKNQQNIN727HO3XU' },
    { name: 'KUBE-SEP-C6EBXVWJJZMIWKLZ', role: 'sep', suffix: 'C6EBXVWJJZMIWKLZ' },
    { name: 'KUBE-SVC-custom', role: 'svc', suffix: undefined },
    { name: 'KUBE-SVC-XPGD46QRK7WJZT7', role: 'svc', suffix: undefined },
    { name: 'KUBE-SVC-XPGD46QRK7WJZT7O1', role: 'svc', suffix: undefined },
    { name: 'KUBE-SEP-xpgd46qrk7wjzt7o', role: 'sep', suffix: undefined },
  ])('reads $name as role $role with suffix $suffix', ({ name, role, suffix }) => {
    expect(chainShape(name)).toEqual({ role, suffix });
    expect(isShaped(name, chainRole(name) ?? 'svc')).toBe(suffix !== undefined);
  });

  it.each(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-MARK-MASQ', 'KUBE-FWD', 'KUBE-FIREWALL', 'KUBE-SVCX-ABC', 'DNAT', 'cali-fw-x', '', undefined])(
    'is not a per-service chain: %s',
    (name) => {
      expect(chainRole(name)).toBeNull();
      expect(chainShape(name)).toBeNull();
    },
  );

  it.each([
    { role: 'svc', prefix: 'KUBE-SVC' },
    { role: 'svl', prefix: 'KUBE-SVL' },
    { role: 'ext', prefix: 'KUBE-EXT' },
    { role: 'fw', prefix: 'KUBE-FW' },
    { role: 'xlb', prefix: 'KUBE-XLB' },
  ] as const)('rebuilds names of role $role with prefix $prefix', ({ role, prefix }) => {
    expect(rolePrefix(role)).toBe(prefix);
  });
});
