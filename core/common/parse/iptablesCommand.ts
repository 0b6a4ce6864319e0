import type { IptChain, IptRule, IptTable } from '../model/iptables';
import { EMPTY, parseRuleArgs } from './iptablesRuleArgs';
import { parseCounters } from './iptablesWords';
import { appendRule, currentTable, findChain, flushRun, forgetOrder, getChain, malformed, word, ZERO_COUNTERS } from './iptablesSaveState';
import type { SaveState } from './iptablesSaveState';
import { tokenizeRuleInto, wordAt } from './iptablesTokenize';

// Lines that start with `-` or `[`: `[pkts:bytes] -A CHAIN ...` from iptables-save (-c), and the
// commands kube-proxy's restore input may hold besides -A (pkg/proxy/iptables/proxier.go writes
// `-X` for stale chains; iptables-restore also accepts -I, -N, -F, -P, -Z).

const ZERO_TEXT = '[0:0]';

export function parseCommand(st: SaveState, text: string, lineStart: number, start: number, end: number, line: number): void {
  const tk = tokenizeRuleInto(text, start, end, st.tk);
  const raw = text.slice(lineStart, end);
  if (tk.error !== undefined) {
    malformed(st, line, raw, tk.error);
    return;
  }
  let k = 0;
  let counters: IptRule['counters'];
  if (text.charCodeAt(start) === 91) {
    counters = tk.ends[0] - start === 5 && text.startsWith(ZERO_TEXT, start) ? ZERO_COUNTERS : parseCounters(wordAt(tk, 0));
    if (counters === undefined) {
      malformed(st, line, raw, 'unknown line type (starts with "[" but not [packets:bytes] counters)');
      return;
    }
    k = 1;
  }
  const table = currentTable(st);
  if (table === null) {
    malformed(st, line, raw, st.dump.tables.size === 0 ? 'rule before any *table line' : 'rule outside a *table block (after COMMIT)');
    return;
  }
  // `-A` is nearly every line: recognised in place instead of sliced, and its chain compared
  // with the previous rule's chain before any Map lookup.
  const cs = tk.starts[k];
  const isAppend = k < tk.count && tk.ends[k] - cs === 2 && text.charCodeAt(cs) === 45 && text.charCodeAt(cs + 1) === 65;
  if (isAppend && k + 1 < tk.count && tk.quoted[k + 1] === 0) {
    const last = st.lastChain;
    const ns = tk.starts[k + 1];
    const ne = tk.ends[k + 1];
    if (last !== null && st.lastTable === table && ne - ns === last.name.length && text.slice(ns, ne) === last.name) {
      addRule(st, table, last, last.name, k + 2, -1, counters, line, raw);
      return;
    }
    const chain = findChain(st, table, text, ns, ne);
    if (chain !== undefined) {
      addRule(st, table, chain, chain.name, k + 2, -1, counters, line, raw);
      return;
    }
  }
  const cmd = isAppend ? '-A' : (word(tk, k) ?? '');
  const chainName = word(tk, k + 1);
  if (cmd !== '-A' && cmd !== '--append') flushRun(st);
  if (chainName === undefined || tk.quoted[k + 1] !== 0) {
    if (chainName === undefined && (cmd === '-F' || cmd === '--flush' || cmd === '-X' || cmd === '--delete-chain' || cmd === '-Z' || cmd === '--zero')) {
      wholeTable(st, table, cmd);
      return;
    }
    malformed(st, line, raw, `${cmd} without a chain name`);
    return;
  }
  switch (cmd) {
    case '-A':
    case '--append':
      addRule(st, table, table.chains.get(chainName), chainName, k + 2, -1, counters, line, raw);
      return;
    case '-I':
    case '--insert': {
      // `-I CHAIN [rulenum] ...`: inserts before rule `rulenum` (default 1).
      const num = word(tk, k + 2);
      const hasNum = num !== undefined && tk.quoted[k + 2] === 0 && /^[0-9]+$/.test(num);
      addRule(st, table, table.chains.get(chainName), chainName, hasNum ? k + 3 : k + 2, hasNum ? Math.max(Number(num) - 1, 0) : 0, counters, line, raw);
      return;
    }
    case '-N':
    case '--new-chain':
      getChain(table, chainName);
      return;
    case '-X':
    case '--delete-chain': {
      // Restore input deletes stale chains; after the restore they no longer exist, so neither
      // do they here.
      const chain = table.chains.get(chainName);
      if (chain !== undefined) deleteChain(st, table, chain);
      return;
    }
    case '-F':
    case '--flush': {
      const chain = table.chains.get(chainName);
      if (chain !== undefined) flushChain(st, chain);
      return;
    }
    case '-P':
    case '--policy': {
      const policy = word(tk, k + 2);
      if (policy === undefined) malformed(st, line, raw, '-P without a policy');
      else getChain(table, chainName).policy = policy;
      return;
    }
    case '-Z':
    case '--zero':
      return;
  }
  malformed(st, line, raw, cmd === '-D' || cmd === '-R' || cmd === '-E' ? `${cmd} is not applied by this parser` : `unknown command ${cmd}`);
}

function flushChain(st: SaveState, chain: IptChain): void {
  st.dump.ruleCount -= chain.rules.length;
  chain.rules = EMPTY;
}

function deleteChain(st: SaveState, table: IptTable, chain: IptChain): void {
  forgetOrder(st);
  st.dump.ruleCount -= chain.rules.length;
  table.chains.delete(chain.name);
  if (st.lastChain === chain) st.lastChain = null;
}

/** `-F`, `-X` or `-Z` without a chain: every chain (`-X`: every user chain) of the table. */
function wholeTable(st: SaveState, table: IptTable, cmd: string): void {
  if (cmd === '-Z' || cmd === '--zero') return;
  for (const chain of [...table.chains.values()]) {
    if (cmd === '-F' || cmd === '--flush') flushChain(st, chain);
    else if (chain.policy === null) deleteChain(st, table, chain);
  }
}

function addRule(
  st: SaveState, table: IptTable, existing: IptChain | undefined, chainName: string, from: number, at: number,
  counters: IptRule['counters'], line: number, raw: string,
): void {
  // All fields assigned up front so every rule object shares one hidden class.
  const rule: IptRule = {
    table: table.name,
    chain: existing === undefined ? chainName : existing.name,
    line,
    raw,
    counters,
    source: undefined,
    destination: undefined,
    protocol: undefined,
    inInterface: undefined,
    outInterface: undefined,
    matches: EMPTY,
    comment: undefined,
    target: undefined,
    goto: false,
    targetOptions: EMPTY,
  };
  const err = parseRuleArgs(st.tk, from, rule, st.cache);
  if (err !== undefined) {
    malformed(st, line, raw, err);
    return;
  }
  const chain = existing ?? getChain(table, chainName);
  st.lastChain = chain;
  st.lastTable = table;
  if (at < 0) {
    appendRule(st, chain, rule);
  } else {
    flushRun(st);
    if (chain.rules === EMPTY) chain.rules = [];
    chain.rules.splice(Math.min(at, chain.rules.length), 0, rule);
    st.dump.ruleCount++;
  }
  if (st.firstAddress === undefined) {
    const addr = rule.source ?? rule.destination;
    if (addr !== undefined) st.firstAddress = addr.value;
  }
}
