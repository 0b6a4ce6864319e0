import type { IptChain, IptCounters, IptRule, IptTable, IptablesDump } from '../model/iptables';
import { EMPTY, newRuleParseCache } from './iptablesRuleArgs';
import type { RuleParseCache } from './iptablesRuleArgs';
import { newRuleTokens, wordAt } from './iptablesTokenize';
import type { RuleTokens } from './iptablesTokenize';

// Mutable state of one parseIptablesSave run, shared by the line handlers.

export interface SaveState {
  dump: IptablesDump;
  /** The open `*table` block, or null before the first one and after COMMIT. */
  table: IptTable | null;
  tk: RuleTokens;
  cache: RuleParseCache;
  defaultTable: string | undefined;
  firstAddress: string | undefined;
  /** Chain of the previous `-A`: rules of one chain are consecutive, so this saves a Map lookup. */
  lastChain: IptChain | null;
  lastTable: IptTable | null;
  /**
   * Rules appended to `runChain` since it became current. They are copied into the chain with
   * their exact length when the run ends (flushRun): growing each chain's array by push() gave
   * the 60k two-rule KUBE-SEP chains of a 10k-Service dump a 17-slot backing store each.
   */
  runChain: IptChain | null;
  runRules: (IptRule | undefined)[];
  runCount: number;
  /**
   * Chains in declaration order for `orderTable`. iptables-save prints a table's rules chain by
   * chain in that same order, so the chain of the next `-A` is almost always just after the
   * last one: comparing a few names is much cheaper than a Map lookup with a freshly sliced key.
   */
  order: IptChain[];
  /** Offset of each `order` chain's name in the text (its declaration), or -1 if unknown. */
  orderStarts: number[];
  orderTable: IptTable | null;
  cursor: number;
  /**
   * Offset in the text of the chain word of the last rule, when that rule's chain was
   * `lastNameChain`: the next rule's chain word is compared with it in place, without a slice.
   */
  lastNameChain: IptChain | null;
  lastNameStart: number;
  /** False forces every line through the general path (tests compare both paths). */
  fast: boolean;
  /**
   * Scan cursors of the fast paths (iptablesFastAppend.ts): the next `"`, tab and backslash at
   * or after some earlier position of the text, so each is searched for once per dump.
   */
  nextQuote: number;
  nextTab: number;
  nextBackslash: number;
  /** The next ` -> ` (kube-proxy's per-endpoint comments), as the cursors above. */
  nextArrow: number;
}

/** `[0:0]`, shared by every chain and rule without traffic (the dump is read-only). */
export const ZERO_COUNTERS: IptCounters = Object.freeze({ packets: 0, bytes: 0 });

export function newSaveState(dump: IptablesDump, defaultTable: string | undefined, fast = true): SaveState {
  return {
    dump, table: null, tk: newRuleTokens(), cache: newRuleParseCache(), defaultTable, firstAddress: undefined,
    lastChain: null, lastTable: null, runChain: null, runRules: [], runCount: 0,
    order: [], orderStarts: [], orderTable: null, cursor: 0, lastNameChain: null, lastNameStart: -1, fast, nextQuote: -1, nextTab: -1, nextBackslash: -1, nextArrow: -1,
  };
}

export function malformed(st: SaveState, line: number, raw: string, reason: string): void {
  st.dump.malformed.push({ line, raw, reason });
}

/** Word i of the current line, or undefined past its end. */
export function word(tk: RuleTokens, i: number): string | undefined {
  return i < tk.count ? wordAt(tk, i) : undefined;
}

export function getTable(st: SaveState, name: string, line: number): IptTable {
  let t = st.dump.tables.get(name);
  if (t === undefined) {
    t = { name, line, chains: new Map(), committed: false };
    st.dump.tables.set(name, t);
  }
  return t;
}

export function getChain(table: IptTable, name: string): IptChain {
  return table.chains.get(name) ?? addChain(table, name);
}

/** A new chain `name`, which the table must not have yet. */
export function addChain(table: IptTable, name: string): IptChain {
  const c: IptChain = { name, policy: null, counters: undefined, line: 0, rules: EMPTY };
  table.chains.set(name, c);
  return c;
}

/**
 * Records a newly declared chain in declaration order (see SaveState.order); `nameStart` is the
 * offset of its name in the text, or -1 when the name is not written there verbatim.
 */
export function noteDeclared(st: SaveState, table: IptTable, chain: IptChain, nameStart: number): void {
  if (st.orderTable !== table) {
    st.order = [];
    st.orderStarts = [];
    st.orderTable = table;
    st.cursor = 0;
  }
  st.order.push(chain);
  st.orderStarts.push(nameStart);
}

/** Stops using the declaration order (after -X edits of restore input). */
export function forgetOrder(st: SaveState): void {
  st.orderTable = null;
  st.order = [];
  st.orderStarts = [];
}

/** True when text[a, a + len) and text[b, b + len) hold the same characters. */
export function sameText(text: string, a: number, b: number, len: number): boolean {
  for (let i = len - 1; i >= 0; i--) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

const LOOKAHEAD = 8;
const RESYNC = 256;

/** The chain named text[s, e) of `table`, found near the declaration-order cursor, else by Map. */
export function findChain(st: SaveState, table: IptTable, text: string, s: number, e: number): IptChain | undefined {
  const ordered = st.orderTable === table;
  if (ordered) {
    // Compared in place with the declaration's text: no slice, no runtime string comparison.
    const order = st.order;
    const starts = st.orderStarts;
    const len = e - s;
    const limit = Math.min(order.length, st.cursor + LOOKAHEAD);
    for (let j = st.cursor; j < limit; j++) {
      const c = order[j];
      if (c.name.length !== len) continue;
      const p = starts[j];
      if (p >= 0 ? sameText(text, s, p, len) : c.name === text.slice(s, e)) {
        st.cursor = j + 1;
        return c;
      }
    }
  }
  const name = text.slice(s, e);
  const chain = table.chains.get(name);
  if (chain !== undefined && ordered) {
    // Resynchronise the cursor when the chain is a little further ahead (empty chains skipped).
    const order = st.order;
    const limit = Math.min(order.length, st.cursor + RESYNC);
    for (let j = st.cursor + LOOKAHEAD; j < limit; j++) {
      if (order[j] === chain) {
        st.cursor = j + 1;
        break;
      }
    }
  }
  return chain;
}

/** The open table, or the default table for rules outside any `*table` block (if one was given). */
export function currentTable(st: SaveState): IptTable | null {
  if (st.table !== null) return st.table;
  if (st.defaultTable !== undefined) st.table = getTable(st, st.defaultTable, 0);
  return st.table;
}

export function appendRule(st: SaveState, chain: IptChain, rule: IptRule): void {
  if (st.runChain !== chain) {
    flushRun(st);
    st.runChain = chain;
  }
  st.runRules[st.runCount++] = rule;
  st.dump.ruleCount++;
}

/** Moves the pending run of rules into its chain; call before anything reads or edits chain.rules. */
export function flushRun(st: SaveState): void {
  const chain = st.runChain;
  const n = st.runCount;
  if (chain !== null && n > 0) {
    const runRules = st.runRules as IptRule[];
    if (chain.rules.length === 0) {
      chain.rules = runRules.slice(0, n);
    } else {
      // A chain written in several runs (kube-proxy interleaves KUBE-SERVICES with each
      // Service's chains): push, never concat, which would copy the whole array every run.
      for (let i = 0; i < n; i++) chain.rules.push(runRules[i]);
    }
    for (let i = 0; i < n; i++) st.runRules[i] = undefined;
  }
  st.runChain = null;
  st.runCount = 0;
}
