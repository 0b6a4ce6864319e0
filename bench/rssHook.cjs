// Preloaded with `node --require bench/rssHook.cjs ...`: prints the process's peak resident set
// size (all threads, worker threads included) on exit, for bench/run.mjs to pick up from stderr.
'use strict';
process.on('exit', () => {
  const kb = process.resourceUsage().maxRSS;
  process.stderr.write(`\nPROXYSCOPE_BENCH_MAXRSS_KB=${kb}\n`);
});
