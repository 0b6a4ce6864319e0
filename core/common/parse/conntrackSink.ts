import type { ConntrackTuple } from '../model/conntrack';
import { K_BYTES, K_CODE, K_DELTA, K_DST, K_DSTKEY, K_HELPER, K_ID, K_LABELS, K_OTHER, K_PACKETS, K_SECCTX, K_SECMARK, K_SPORT, K_DPORT, K_SRC, K_SRCKEY, K_TYPE, K_USE, K_ZONE_DIR, KEYS } from './conntrackLex';

// What the conntrack parser's hot path does not keep on an entry, collected when
// conntrackDetail() re-reads one line (core/common/parse/conntrack.ts).

/** What the hot path skips, collected only by conntrackDetail(). */
export interface Sink {
  eventTime: string | undefined;
  l3: string | undefined;
  l3Num: number | undefined;
  original: ConntrackTuple | undefined;
  reply: ConntrackTuple | undefined;
  offload: boolean;
  hwOffload: boolean;
  secmark: number | undefined;
  secctx: string | undefined;
  deltaTime: number | undefined;
  start: string | undefined;
  stop: string | undefined;
  helper: string | undefined;
  use: number | undefined;
  id: number | undefined;
  labels: string[] | undefined;
  fields: string[];
  flags: string[];
}

export function newSink(): Sink {
  return {
    eventTime: undefined, l3: undefined, l3Num: undefined, original: undefined, reply: undefined, offload: false, hwOffload: false,
    secmark: undefined, secctx: undefined, deltaTime: undefined, start: undefined, stop: undefined, helper: undefined,
    use: undefined, id: undefined, labels: undefined, fields: [], flags: [],
  };
}

function newTuple(src: string): ConntrackTuple {
  return {
    src, dst: '', sport: undefined, dport: undefined, icmpType: undefined, icmpCode: undefined, icmpId: undefined,
    srcKey: undefined, dstKey: undefined, zone: undefined, packets: undefined, bytes: undefined,
  };
}

export function sinkFlag(s: Sink, flag: string): void {
  if (flag === 'OFFLOAD') s.offload = true;
  else if (flag === 'HW_OFFLOAD') s.hwOffload = true;
  else if (flag.startsWith('start=')) s.start = flag.slice(6);
  else if (flag.startsWith('stop=')) s.stop = flag.slice(5);
  s.flags.push(flag);
}

/** Token `key=value` at t[a, q) (`=` at eq), after the scanner moved to tuple `cur`. */
export function sinkToken(s: Sink, t: string, key: number, a: number, eq: number, q: number, v: number, cur: number): void {
  const value = t.slice(eq + 1, q);
  s.fields.push(key === K_OTHER || key === K_ZONE_DIR ? t.slice(a, eq) : KEYS[key], value);
  if (key === K_SRC) {
    if (cur === 1) s.original = newTuple(value);
    else if (cur === 2) s.reply = newTuple(value);
    return;
  }
  const tuple = cur === 1 ? s.original : cur === 2 ? s.reply : undefined;
  if (key <= K_ZONE_DIR && tuple !== undefined) {
    if (key === K_DST) tuple.dst = value;
    else if (key === K_SRCKEY) tuple.srcKey = value;
    else if (key === K_DSTKEY) tuple.dstKey = value;
    else if (v < 0) return;
    else if (key === K_SPORT) tuple.sport = v;
    else if (key === K_DPORT) tuple.dport = v;
    else if (key === K_TYPE) tuple.icmpType = v;
    else if (key === K_CODE) tuple.icmpCode = v;
    else if (key === K_ID) tuple.icmpId = v;
    else if (key === K_PACKETS) tuple.packets = v;
    else if (key === K_BYTES) tuple.bytes = v;
    else tuple.zone = v;
    return;
  }
  if (key === K_SECCTX) s.secctx = value;
  else if (key === K_HELPER) s.helper = value;
  else if (key === K_LABELS) s.labels = value === '' ? [] : value.split(',');
  else if (v < 0) return;
  else if (key === K_ID) s.id = v;
  else if (key === K_USE) s.use = v;
  else if (key === K_DELTA) s.deltaTime = v;
  else if (key === K_SECMARK) s.secmark = v;
}
