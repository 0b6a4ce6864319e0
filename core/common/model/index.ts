export type * from './kube';
export type * from './evidence';
export type * from './iptables';
export type * from './programmed';
export type * from './expected';
export type * from './finding';
export { SEVERITIES, SEVERITY_RANK } from './finding';
export type * from './analysis';
