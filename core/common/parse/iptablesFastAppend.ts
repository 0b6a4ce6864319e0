import type { IptChain, IptMatch, IptOption, IptRule, IptTable, IptValue } from '../model/iptables';
import { EMPTY, setMatchList } from './iptablesRuleArgs';
import type { RuleParseCache } from './iptablesRuleArgs';
import { addChain, appendRule, findChain, noteDeclared, sameText, ZERO_COUNTERS } from './iptablesSaveState';
import { internWord } from './iptablesIntern';
import type { SaveState } from './iptablesSaveState';
import { segmentGet, segmentSet, segmentSlot } from './iptablesSegmentCache';
import { ends, exact, indexOrLen, kinds, options, quoted, segEnds, segmentEnd, segStarts, split, starts, valueAt } from './iptablesFastWords';
import { BANG, DEST, FREE, GOTO, IN_IF, JUMP, MATCH, OPTION, OUT_IF, PROTO, SOURCE, VALUE } from './iptablesWords';

// Fast path for the `-A CHAIN ...` lines of iptables-save's canonical output, which is nearly
// every line of a big kube-proxy dump (kubernetes pkg/proxy/iptables/proxier.go writes the rules,
// the kernel round trip reorders them): generic parameters first, then back-to-back `-m` matches,
// then at most one `-j`/`-g` target with its options, words separated by single spaces.
//
// It builds exactly the IptRule the general path (iptablesCommand.ts + iptablesRuleArgs.ts)
// builds, from the same caches, but splits the line in one pass into typed scratch arrays and
// skips the general path's lookahead over kube-proxy's restore order. Anything else (counters,
// tabs, escapes, quotes outside a whole word, kube-proxy order, options outside a `-m`, a stray
// value, a missing value, an unknown chain, no open table) returns false before any side effect,
// and the caller hands the line to the general path, which also reports malformed lines.

const SPACE = 32;
const scratchMatches: (IptMatch | undefined)[] = [];

/** The match of segment [a, e) (`-m MODULE options...`), shared through the cache; null: general path. */
function match(cache: RuleParseCache, text: string, a: number, e: number): IptMatch | null {
  const s = starts[a];
  const end = ends[e - 1];
  const slot = segmentSlot(text, s, end);
  let m = segmentGet(cache.matches, slot, text, s, end);
  if (m === undefined) {
    const opts = options(text, a + 2, e);
    if (opts === null) return null;
    m = { module: internWord(text, starts[a + 1], ends[a + 1]), options: opts };
    segmentSet(cache.matches, slot, text, s, end, m);
  }
  return m;
}

/**
 * The matches of segments [from, nSeg) put after scratchMatches[0, from) (set by the caller), as
 * an exact-length list; null when a segment is left to the general path. Clears the scratch.
 */
function collectMatches(cache: RuleParseCache, text: string, from: number, nSeg: number): IptMatch[] | null {
  const out = scratchMatches;
  let ok = true;
  for (let j = from; j < nSeg; j++) {
    const m = match(cache, text, segStarts[j], segEnds[j]);
    if (m === null) {
      ok = false;
      break;
    }
    out[j] = m;
  }
  const list = ok ? exact(out, nSeg) : null;
  for (let j = 0; j < nSeg; j++) out[j] = undefined;
  return list;
}

/** First `--comment` of a `comment` match, as iptablesRuleArgs' firstComment. */
function firstComment(matches: IptMatch[]): string | undefined {
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    if (m.module !== 'comment') continue;
    const opts = m.options;
    for (let j = 0; j < opts.length; j++) if (opts[j].name === '--comment') return opts[j].values[0];
  }
  return undefined;
}

/**
 * True when words a..a+3 are `-m comment --comment X` and X holds ` -> `, the mark of
 * kube-proxy's per-endpoint comment. The next ` -> ` of the text is searched for once per dump.
 */
function isEndpointComment(st: SaveState, text: string, a: number): boolean {
  if (kinds[a + 2] !== FREE || ends[a + 2] - starts[a + 2] !== COMMENT_OPTION.length || ends[a + 1] - starts[a + 1] !== COMMENT.length) return false;
  const ws = starts[a + 3];
  if (st.nextArrow < ws) st.nextArrow = indexOrLen(text, ' -> ', ws);
  return st.nextArrow < ends[a + 3] && text.startsWith(COMMENT, starts[a + 1]);
}

const COMMENT = 'comment';
const COMMENT_OPTION = '--comment';
const HASH_CHAIN_LENGTH = 25;
const DASH = 45;
const TO_DESTINATION = '--to-destination';
const TO_SOURCE = '--to-source';

/**
 * Parses the `-A` line text[lineStart, end) (text[start] is its `-`) into a rule and appends it,
 * exactly as parseCommand would. Returns false, having changed nothing but caches and scan
 * cursors, when the line is not of the shape handled here.
 */
export function parseFastAppend(st: SaveState, text: string, lineStart: number, start: number, end: number, line: number): boolean {
  const table = st.table;
  if (table === null || end - start < 4 || text.charCodeAt(start + 1) !== 65 || text.charCodeAt(start + 2) !== SPACE) return false;
  if (st.nextTab < lineStart) st.nextTab = indexOrLen(text, '\t', lineStart);
  if (st.nextTab < end) return false;
  const n = split(st, text, start + 3, end);
  if (n <= 0 || quoted[0] !== 0) return false;
  const cache = st.cache;

  // Generic parameters: `[!] -s|-d|-i|-o|-p VALUE`, before any match.
  let source: IptValue | undefined;
  let destination: IptValue | undefined;
  let protocol: IptValue | undefined;
  let inInterface: IptValue | undefined;
  let outInterface: IptValue | undefined;
  let i = 1;
  while (i < n) {
    let k = kinds[i];
    const first = i;
    let negated = false;
    if (k === BANG) {
      if (i + 1 >= n) return false;
      k = kinds[i + 1];
      if (k < SOURCE || k > OUT_IF) return false;
      negated = true;
      i++;
    } else if (k < SOURCE || k > OUT_IF) {
      break;
    }
    if (i + 1 >= n || kinds[i + 1] !== VALUE || quoted[i + 1] !== 0) return false;
    let value: IptValue | undefined;
    if (!negated && k <= DEST) {
      // Plain addresses are mostly unique (pod IPs): not cached, as in the general path.
      value = { value: text.slice(starts[i + 1], ends[i + 1]), negated };
    } else {
      const s = starts[first];
      const e = ends[i + 1];
      const slot = segmentSlot(text, s, e);
      value = segmentGet(cache.params, slot, text, s, e);
      if (value === undefined) {
        value = { value: text.slice(starts[i + 1], ends[i + 1]), negated };
        segmentSet(cache.params, slot, text, s, e, value);
      }
    }
    if (k === SOURCE) source = value;
    else if (k === DEST) destination = value;
    else if (k === PROTO) protocol = value;
    else if (k === IN_IF) inInterface = value;
    else outInterface = value;
    i += 2;
  }

  // Back-to-back `-m MODULE options...` segments.
  let nSeg = 0;
  while (i < n && kinds[i] === MATCH) {
    if (i + 1 >= n || kinds[i + 1] !== VALUE || quoted[i + 1] !== 0) return false;
    const e = segmentEnd(n, i + 2);
    segStarts[nSeg] = i;
    segEnds[nSeg++] = e;
    i = e;
  }

  // At most one target, which must end the line.
  let target: string | undefined;
  let targetOptions: IptOption[] = EMPTY;
  let goto = false;
  if (i < n) {
    const k = kinds[i];
    if ((k !== JUMP && k !== GOTO) || i + 1 >= n || kinds[i + 1] !== VALUE || quoted[i + 1] !== 0) return false;
    const e = segmentEnd(n, i + 2);
    if (e !== n) return false;
    const ts = starts[i + 1];
    const te = ends[i + 1];
    if (te - ts === HASH_CHAIN_LENGTH && text.charCodeAt(ts + 8) === DASH && text.startsWith('KUBE-', ts)) {
      // KUBE-SEP-/KUBE-SVC-/KUBE-EXT-... + hash (proxier.go): nearly every one is jumped to from
      // one rule only, so it is sliced rather than looked up in the cache.
      target = text.slice(ts, te);
    } else {
      const tslot = segmentSlot(text, ts, te);
      target = segmentGet(cache.targets, tslot, text, ts, te);
      if (target === undefined) {
        target = internWord(text, ts, te);
        segmentSet(cache.targets, tslot, text, ts, te, target);
      }
    }
    goto = k === GOTO;
    if (e > i + 2) {
      if (target === 'DNAT' || target === 'SNAT') {
        // `--to-destination podIP:port` differs on every endpoint rule: built, not cached.
        const os = starts[i + 2];
        const len = ends[i + 2] - os;
        const name = e !== i + 4 || kinds[i + 2] !== OPTION || kinds[i + 3] !== VALUE ? undefined
          : len === TO_DESTINATION.length && text.startsWith(TO_DESTINATION, os) ? TO_DESTINATION
            : len === TO_SOURCE.length && text.startsWith(TO_SOURCE, os) ? TO_SOURCE : undefined;
        if (name !== undefined) {
          targetOptions = [{ name, negated: false, values: [valueAt(text, i + 3)] }];
        } else {
          const opts = options(text, i + 2, e);
          if (opts === null) return false;
          targetOptions = opts;
        }
      } else {
        const s = starts[i + 2];
        const end2 = ends[e - 1];
        const slot = segmentSlot(text, s, end2);
        let opts = segmentGet(cache.targetOptions, slot, text, s, end2);
        if (opts === undefined) {
          const built = options(text, i + 2, e);
          if (built === null) return false;
          opts = built;
          segmentSet(cache.targetOptions, slot, text, s, end2, opts);
        }
        targetOptions = opts;
      }
    }
  }

  // The whole list of matches, shared by every rule with the same text, and its first comment.
  let matches: IptMatch[] = EMPTY;
  let comment: string | undefined;
  if (nSeg > 0) {
    const a0 = segStarts[0];
    if (segEnds[0] === a0 + 4 && isEndpointComment(st, text, a0)) {
      // `-m comment --comment "ns/svc:port -> IP:port"` (KUBE-SVC-* rules, proxier.go) names one
      // endpoint: the list and its comment match are unique, so neither is looked up nor cached
      // (caching them only evicted segments that do repeat).
      comment = valueAt(text, a0 + 3);
      scratchMatches[0] = { module: COMMENT, options: [{ name: COMMENT_OPTION, negated: false, values: [comment] }] };
      const list = collectMatches(cache, text, 1, nSeg);
      if (list === null) return false;
      matches = list;
    } else {
      const s = starts[a0];
      const e = ends[segEnds[nSeg - 1] - 1];
      const slot = segmentSlot(text, s, e);
      const list = segmentGet(cache.matchLists, slot, text, s, e);
      if (list !== undefined) {
        matches = list;
        comment = cache.listComments[slot];
      } else {
        const built = collectMatches(cache, text, 0, nSeg);
        if (built === null) return false;
        matches = built;
        comment = firstComment(matches);
        setMatchList(cache, slot, text, s, e, matches, comment);
      }
    }
  }

  // The chain: the previous rule's, or found near the declaration order (as parseCommand).
  const ns = starts[0];
  const ne = ends[0];
  const last = st.lastChain;
  let chain: IptChain | undefined;
  if (last !== null && st.lastTable === table && ne - ns === last.name.length
    && (st.lastNameChain === last ? sameText(text, ns, st.lastNameStart, ne - ns) : text.slice(ns, ne) === last.name)) {
    chain = last;
  } else {
    chain = findChain(st, table, text, ns, ne);
    if (chain === undefined) return false;
  }

  // Same property order as addRule's literal: one hidden class for every rule.
  const rule: IptRule = {
    table: table.name,
    chain: chain.name,
    line,
    raw: text.slice(lineStart, end),
    counters: undefined,
    source,
    destination,
    protocol,
    inInterface,
    outInterface,
    matches,
    comment,
    target,
    goto,
    targetOptions,
  };
  st.lastChain = chain;
  st.lastTable = table;
  st.lastNameChain = chain;
  st.lastNameStart = ns;
  appendRule(st, chain, rule);
  if (st.firstAddress === undefined) {
    const addr = source ?? destination;
    if (addr !== undefined) st.firstAddress = addr.value;
  }
  return true;
}

/**
 * `:NAME - [0:0]`, the declaration of nearly every chain of a big dump (60k in a 10k-Service
 * one), handled as parseChainLine would without tokenising. False: not exactly that shape.
 */
export function parseFastChainLine(st: SaveState, table: IptTable, text: string, lineStart: number, colon: number, end: number, line: number): boolean {
  const s = colon + 1;
  const sp = end - 8;
  if (sp <= s || text.indexOf(' ', s) !== sp || !text.startsWith(' - [0:0]', sp)) return false;
  if (st.nextTab < lineStart) st.nextTab = indexOrLen(text, '\t', lineStart);
  if (st.nextTab < end) return false;
  if (st.nextQuote < s) st.nextQuote = indexOrLen(text, '"', s);
  if (st.nextQuote < sp) return false;
  const name = text.slice(s, sp);
  let chain = table.chains.get(name);
  if (chain === undefined) {
    chain = addChain(table, name);
    noteDeclared(st, table, chain, s);
  }
  if (chain.line === 0) chain.line = line;
  chain.policy = null;
  chain.counters = ZERO_COUNTERS;
  return true;
}
