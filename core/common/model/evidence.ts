/** One line of a node dump, quoted as proof. Every finding cites at least one. */
export interface Evidence {
  /** Node name; null for API-side evidence (cluster.json). */
  node: string | null;
  /** File inside the snapshot, e.g. `nodes/n1/iptables-save.txt` or `cluster.json`. */
  file: string;
  /** 1-based line number in that file; 0 when the evidence is an API object, not a line. */
  line: number;
  /** The raw text of the line (or a short description of the API object). */
  raw: string;
}

/** A line a parser could not understand. Parsers collect these instead of throwing. */
export interface Malformed {
  line: number;
  raw: string;
  reason: string;
}
