import type { IptMatch, IptOption, IptRule, IptValue } from '../model/iptables';
import { newSegmentCache, SEGMENT_CACHE_SIZE, segmentGet, segmentSet, segmentSlot } from './iptablesSegmentCache';
import type { SegmentCache } from './iptablesSegmentCache';
import { wordAt } from './iptablesTokenize';
import { BANG, COUNTERS, DEST, FREE, GOTO, IN_IF, isDigits, MATCH, matchListEnd, matchListStart, OPTION, OUT_IF, PROTO, segmentEnd, SOURCE, VALUE, wordKind } from './iptablesWords';
import type { RuleTokens } from './iptablesTokenize';

// Turns the words after `-A CHAIN` into an IptRule. Works for both orders seen in practice:
// kube-proxy's restore input (`-m comment --comment "..." -m tcp -p tcp -d 172.30.0.41 --dport 80`,
// kubernetes pkg/proxy/iptables/proxier.go) and iptables-save's canonical order after a kernel
// round trip (`-d 172.30.0.41/32 -p tcp -m comment --comment "..." -m tcp --dport 80`).
//
// Because kube-proxy puts generic parameters between `-m tcp` and `--dport`, a generic parameter
// does NOT close the current `-m` match: later options still attach to the last `-m` (or, after
// `-j`, to the target). Options before any `-m` (iptables' implicit protocol match,
// `-p tcp --dport 80`) go to a match with module ''.
//
// Option arity: iptables has no uniform option/value pairing (`--rsource`, `--reap`, `--set`,
// `--random-fully` take no value; `--match-set NAME dst,dst` takes two), so an option's values are
// the following words that are quoted or do not start with `-` and are not `!`. Free-text options
// (`--comment`, `--log-prefix`) always take exactly one word, since iptables-save prints a
// comment such as `-x` unquoted.
//
// Performance: a 10k-Service dump has ~170k rules, and most `-m ...` segments, generic
// parameters and target options repeat verbatim (`-m tcp --dport 80`, the same comment on every
// rule of a Service, `--set-xmark 0x4000/0x4000`). Each such segment is parsed once per dump and
// the parsed object is SHARED by every rule with the same text, which cuts the objects the dump
// holds (and the GC time they cost) several times over. Parsed dumps are therefore read-only.

/**
 * Options that need at least one value. A missing value almost always means the line was cut
 * short (copy-paste at terminal width), so the line is reported instead of half-parsed.
 */
export const NEEDS_VALUE: ReadonlySet<string> = new Set([
  '--comment', '--dport', '--sport', '--dports', '--sports', '--destination-port', '--source-port',
  '--to-destination', '--to-source', '--to-ports', '--to', '--probability', '--mode', '--every',
  '--mark', '--set-xmark', '--set-mark', '--or-mark', '--xor-mark', '--and-mark', '--ctstate',
  '--state', '--match-set', '--name', '--seconds', '--hitcount', '--dst-type', '--src-type',
  '--reject-with', '--nfacct-name', '--mask', '--log-prefix', '--uid-owner', '--physdev-in',
  '--physdev-out', '--set-class', '--limit', '--limit-burst',
]);

/** Per-parse caches of parsed segments, keyed by their exact text (see iptablesSegmentCache). */
export interface RuleParseCache {
  /** Whole `matches` lists, for rules whose `-m` segments are back to back (canonical order). */
  matchLists: SegmentCache<IptMatch[]>;
  /** First comment of the list in each matchLists slot (written with it by setMatchList). */
  listComments: (string | undefined)[];
  matches: SegmentCache<IptMatch>;
  targetOptions: SegmentCache<IptOption[]>;
  params: SegmentCache<IptValue>;
  targets: SegmentCache<string>;
}

export function newRuleParseCache(): RuleParseCache {
  return { matchLists: newSegmentCache(), listComments: new Array<string | undefined>(SEGMENT_CACHE_SIZE).fill(undefined), matches: newSegmentCache(), targetOptions: newSegmentCache(), params: newSegmentCache(), targets: newSegmentCache() };
}

/**
 * Shared empty array for empty `values` / `options` / `targetOptions` / `matches`: an empty
 * array per rule is ~1M objects in a big dump. Frozen, since the dump is read-only anyway.
 */
/** Caches `matches` (text[s, e)) and its first comment in matchLists slot `slot`. */
export function setMatchList(cache: RuleParseCache, slot: number, text: string, s: number, e: number, matches: IptMatch[], comment: string | undefined): void {
  segmentSet(cache.matchLists, slot, text, s, e, matches);
  cache.listComments[slot] = comment;
}

export const EMPTY: never[] = Object.freeze([]) as unknown as never[];

// Scratch space reused across rules: the model's arrays are created with their exact length by
// slice() (growing `[]` by push() gives small arrays a 17-slot backing store).
const kinds: number[] = [];
const scratchMatches: (IptMatch | undefined)[] = [];
const scratchOpts: (IptOption | undefined)[] = [];

/** Set by buildOptions when the segment looks cut short (a module-level slot: no result object). */
let buildError: string | undefined;

/** Parses the options in words [a, e) (a segment from segmentEnd); sets buildError on failure. */
function buildOptions(tk: RuleTokens, a: number, e: number): IptOption[] {
  buildError = undefined;
  const options = scratchOpts;
  let nOpts = 0;
  let negate = false;
  let i = a;
  while (i < e) {
    const t = wordAt(tk, i);
    const k = kinds[i];
    if (k === BANG) {
      negate = true;
      i++;
      continue;
    }
    if (k === VALUE) {
      // A stray word where an option was expected: kept verbatim as a value-less option.
      options[nOpts++] = { name: t, negated: negate, values: EMPTY };
      negate = false;
      i++;
      continue;
    }
    let j = i + 1;
    let values: string[];
    if (k === FREE) {
      values = j < e ? [wordAt(tk, j++)] : EMPTY;
    } else {
      while (j < e && kinds[j] === VALUE) j++;
      if (j === i + 1) values = EMPTY;
      else if (j === i + 2) values = [wordAt(tk, i + 1)];
      else if (j === i + 3) values = [wordAt(tk, i + 1), wordAt(tk, i + 2)];
      else {
        values = [];
        for (let v = i + 1; v < j; v++) values.push(wordAt(tk, v));
      }
    }
    if (values.length === 0 && NEEDS_VALUE.has(t)) {
      for (let j = 0; j < nOpts; j++) options[j] = undefined;
      buildError = `option ${t} has no value (line cut short?)`;
      return EMPTY;
    }
    options[nOpts++] = { name: t, negated: negate, values };
    negate = false;
    i = j;
  }
  const out = nOpts === 0 ? EMPTY : (options.slice(0, nOpts) as IptOption[]);
  for (let j = 0; j < nOpts; j++) options[j] = undefined;
  return out;
}

/**
 * Parses words `from..` of the tokenised line into `rule` (whose matches and
 * targetOptions start empty). Returns undefined on success, or why the line looks broken.
 */
export function parseRuleArgs(tk: RuleTokens, from: number, rule: IptRule, cache: RuleParseCache): string | undefined {
  const text = tk.text;
  const n = tk.count;
  for (let i = from; i < n; i++) kinds[i] = wordKind(tk, i);
  const matches = scratchMatches;
  let nMatches = 0;
  // Where options outside a `-m`/`-j` segment go: 0 nowhere yet, 1 last match, 2 target.
  let ctx = 0;
  let lastOwned = false;
  let err: string | undefined;
  const listStart = matchListStart(kinds, n, from);
  const listEnd = listStart < 0 ? -1 : matchListEnd(kinds, n, from, listStart);
  let listSlot = -1;
  let i = from;
  while (i < n && err === undefined) {
    if (i === listStart && listEnd > 0) {
      const s = tk.starts[listStart];
      const end = tk.ends[listEnd - 1];
      listSlot = segmentSlot(text, s, end);
      const list = segmentGet(cache.matchLists, listSlot, text, s, end);
      if (list !== undefined) {
        rule.matches = list;
        rule.comment = cache.listComments[listSlot];
        listSlot = -1;
        ctx = 1;
        i = listEnd;
        continue;
      }
    }
    let k = kinds[i];
    const first = i;
    let negated = false;
    if (k === BANG) {
      if (i + 1 >= n) {
        err = 'dangling "!" at end of rule (line cut short?)';
        break;
      }
      negated = true;
      k = kinds[++i];
      if ((k >= MATCH && k !== FREE) || k === VALUE || k === BANG) {
        err = `"!" cannot negate ${wordAt(tk, i)}`;
        break;
      }
    }
    if (k === VALUE || k === OPTION || k === FREE) {
      // Options outside a segment: kube-proxy order (`-m tcp -p tcp --dport 80`) or implicit match.
      const e = segmentEnd(kinds, n, first);
      const built = buildOptions(tk, first, e);
      err = buildError;
      if (ctx === 2) {
        rule.targetOptions = rule.targetOptions.concat(built);
      } else if (ctx === 1) {
        const last = matches[nMatches - 1] as IptMatch;
        if (lastOwned) last.options = last.options.concat(built);
        else matches[nMatches - 1] = { module: last.module, options: last.options.concat(built) };
        lastOwned = true;
      } else {
        matches[nMatches++] = { module: '', options: built };
        ctx = 1;
        lastOwned = true;
      }
      i = e;
      continue;
    }
    if (k === COUNTERS) {
      // restore syntax `-c PKTS BYTES`
      const p = i + 2 < n ? wordAt(tk, i + 1) : '';
      const b = i + 2 < n ? wordAt(tk, i + 2) : '';
      if (!isDigits(p) || !isDigits(b)) {
        err = `${wordAt(tk, i)} needs packet and byte counts`;
        break;
      }
      rule.counters = { packets: Number(p), bytes: Number(b) };
      i += 3;
      continue;
    }
    if (i + 1 >= n || kinds[i + 1] !== VALUE) {
      err = `${wordAt(tk, i)} has no value (line cut short?)`;
      break;
    }
    if (k <= OUT_IF) {
      let value: IptValue | undefined;
      if (!negated && (k === SOURCE || k === DEST)) {
        // Plain addresses are mostly unique (pod IPs): caching them would cost more than it saves.
        value = { value: wordAt(tk, i + 1), negated };
      } else {
        const s = tk.starts[first];
        const e = tk.ends[i + 1];
        const slot = segmentSlot(text, s, e);
        value = segmentGet(cache.params, slot, text, s, e);
        if (value === undefined) {
          value = { value: wordAt(tk, i + 1), negated };
          segmentSet(cache.params, slot, text, s, e, value);
        }
      }
      if (k === SOURCE) rule.source = value;
      else if (k === DEST) rule.destination = value;
      else if (k === PROTO) rule.protocol = value;
      else if (k === IN_IF) rule.inInterface = value;
      else rule.outInterface = value;
      i += 2;
      continue;
    }
    const e = segmentEnd(kinds, n, i + 2);
    if (k === MATCH) {
      const s = tk.starts[i];
      const end = tk.ends[e - 1];
      const slot = segmentSlot(text, s, end);
      let m = segmentGet(cache.matches, slot, text, s, end);
      if (m === undefined) {
        const options = buildOptions(tk, i + 2, e);
        err = buildError;
        m = { module: wordAt(tk, i + 1), options };
        if (err === undefined) segmentSet(cache.matches, slot, text, s, end, m);
      }
      matches[nMatches++] = m;
      ctx = 1;
      lastOwned = false;
    } else {
      const ts = tk.starts[i + 1];
      const te = tk.ends[i + 1];
      if (tk.quoted[i + 1] !== 0) {
        rule.target = wordAt(tk, i + 1);
      } else {
        const tslot = segmentSlot(text, ts, te);
        let target = segmentGet(cache.targets, tslot, text, ts, te);
        if (target === undefined) {
          target = text.slice(ts, te);
          segmentSet(cache.targets, tslot, text, ts, te, target);
        }
        rule.target = target;
      }
      rule.goto = k === GOTO;
      if (e > i + 2) {
        const target = rule.target;
        if (target === 'DNAT' || target === 'SNAT') {
          // `--to-destination podIP:port` is different on every endpoint rule: caching it would
          // only cost a key per rule. Its usual exact shape is built directly, with the option
          // name shared instead of sliced from every line.
          const name = e === i + 4 && kinds[i + 2] === OPTION && kinds[i + 3] === VALUE ? toOptionName(tk, i + 2) : undefined;
          if (name !== undefined) {
            rule.targetOptions = [{ name, negated: false, values: [wordAt(tk, i + 3)] }];
          } else {
            rule.targetOptions = buildOptions(tk, i + 2, e);
            err = buildError;
          }
        } else {
          const s = tk.starts[i + 2];
          const end = tk.ends[e - 1];
          const slot = segmentSlot(text, s, end);
          let opts = segmentGet(cache.targetOptions, slot, text, s, end);
          if (opts === undefined) {
            opts = buildOptions(tk, i + 2, e);
            err = buildError;
            if (err === undefined) segmentSet(cache.targetOptions, slot, text, s, end, opts);
          }
          rule.targetOptions = opts;
        }
      }
      ctx = 2;
    }
    i = e;
  }
  if (nMatches > 0) {
    rule.matches = matches.slice(0, nMatches) as IptMatch[];
    for (let j = 0; j < nMatches; j++) matches[j] = undefined; // do not keep the last rule alive
    rule.comment = firstComment(rule.matches);
    if (listSlot >= 0 && err === undefined) {
      setMatchList(cache, listSlot, text, tk.starts[listStart], tk.ends[listEnd - 1], rule.matches, rule.comment);
    }
  }
  return err;
}

const TO_DESTINATION = '--to-destination';
const TO_SOURCE = '--to-source';

/** `--to-destination` / `--to-source` when word i is exactly that (as a shared string), else undefined. */
function toOptionName(tk: RuleTokens, i: number): string | undefined {
  const s = tk.starts[i];
  const len = tk.ends[i] - s;
  if (len === TO_DESTINATION.length && tk.text.startsWith(TO_DESTINATION, s)) return TO_DESTINATION;
  if (len === TO_SOURCE.length && tk.text.startsWith(TO_SOURCE, s)) return TO_SOURCE;
  return undefined;
}

function firstComment(matches: IptMatch[]): string | undefined {
  for (const m of matches) {
    if (m.module !== 'comment') continue;
    for (const o of m.options) if (o.name === '--comment') return o.values[0];
  }
  return undefined;
}
