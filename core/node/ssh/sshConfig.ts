import { homedir, userInfo } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import SSHConfig from 'ssh-config';
import { invalidAliasReason, invalidHostReason, invalidUserReason, validPort } from './hostValidation';
import { SshError } from './sshError';

// Resolving a node address into the hops to dial, with ~/.ssh/config applied the way ssh does
// (ssh_config.5): first value wins, options given on the command line (our overrides) beat the
// file, `Host`/`Match` patterns via the `ssh-config` package (Match exec disabled: a config file
// must not run programs). ProxyJump hops are looked up in the config under their own names, and
// do not inherit the destination's settings. ProxyCommand is refused: it runs a local program.

export interface SshHop {
  /** The name used for config lookup and in messages. */
  alias: string;
  /** What is dialled and checked against known_hosts (HostName, else the alias). */
  host: string;
  port: number;
  user: string;
  /** Absolute paths, in order. Empty: use the default identities. */
  identityFiles: string[];
  /** ssh-agent socket from IdentityAgent: a path, null for `none`, undefined for SSH_AUTH_SOCK. */
  identityAgent?: string | null;
}

export interface SshTarget extends SshHop {
  /** Jump hosts in dialling order (the first is dialled directly). */
  jumps: SshHop[];
}

/** Per-cluster or per-node settings; they win over ~/.ssh/config like ssh's -l, -p, -i, -J. */
export interface SshOverrides {
  user?: string;
  port?: number;
  /** ProxyJump syntax: `[user@]host[:port][,...]`, or `none`. */
  jump?: string;
  identityFiles?: string[];
}

export interface ResolveOptions {
  config?: SSHConfig | string;
  overrides?: SshOverrides;
  home?: string;
  localUser?: string;
}

const MAX_HOPS = 8;
// Directives whose evaluation would run programs or resolve DNS inside the parser.
const DROPPED = /^(CanonicalizeHostName|CanonicalDomains)$/i;

/** Parses ssh_config text, dropping directives that would make the parser spawn processes. */
export function parseSshConfig(text: string): SSHConfig {
  const config = SSHConfig.parse(text);
  const strip = (c: SSHConfig): void => {
    for (let i = c.length - 1; i >= 0; i--) {
      const line = c[i];
      if (line.type !== SSHConfig.DIRECTIVE) continue;
      if (DROPPED.test(line.param)) c.splice(i, 1);
      else if ('config' in line) strip(line.config);
    }
  };
  strip(config);
  return config;
}

interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

/** One ProxyJump element: `[user@]host[:port]`, `[user@][v6addr]:port` or `ssh://[user@]host[:port]`. */
export function parseJumpSpec(raw: string): JumpSpec {
  let s = raw.trim();
  if (s.startsWith('ssh://')) s = s.slice(6).replace(/\/$/, '');
  let user: string | undefined;
  const at = s.lastIndexOf('@');
  if (at >= 0) {
    user = s.slice(0, at);
    s = s.slice(at + 1);
  }
  let host = s;
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1];
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') === colon) {
      host = s.slice(0, colon);
      port = Number(s.slice(colon + 1));
    }
  }
  if (port !== undefined && !validPort(port)) throw new SshError('invalid-host', `jump host "${raw}": bad port`);
  return { user, host, port };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function expandTokens(value: string, t: { home: string; localUser: string; host: string; port: number; user: string }): string {
  let v = value.startsWith('~/') ? `${t.home}/${value.slice(2)}` : value === '~' ? t.home : value;
  v = v.replace(/%([%dhpru])/g, (_m, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'd': return t.home;
      case 'h': return t.host;
      case 'p': return String(t.port);
      case 'r': return t.user;
      default: return t.localUser;
    }
  });
  return v;
}

interface Ctx {
  config?: SSHConfig;
  home: string;
  localUser: string;
  depth: number;
}

function resolveHop(spec: JumpSpec, ctx: Ctx, what: string): { hop: SshHop; proxyJump?: string } {
  const aliasWhy = invalidAliasReason(spec.host);
  if (aliasWhy) throw new SshError('invalid-host', `${what} ${JSON.stringify(spec.host)} is not a valid host: ${aliasWhy}`);
  const c = ctx.config ? ctx.config.compute(spec.host, { ignoreCase: true, matchExec: false }) : {};
  if (c.proxycommand !== undefined && first(c.proxycommand) !== 'none') {
    throw new SshError('config', `${what} ${spec.host}: ~/.ssh/config sets ProxyCommand, which Proxyscope does not run; use ProxyJump`);
  }
  const port = spec.port ?? (c.port !== undefined ? Number(first(c.port)) : 22);
  if (!validPort(port)) throw new SshError('config', `${what} ${spec.host}: bad Port ${String(first(c.port))}`);
  const user = spec.user ?? first(c.user) ?? ctx.localUser;
  const userWhy = invalidUserReason(user);
  if (userWhy) throw new SshError('invalid-host', `${what} ${spec.host}: invalid user name: ${userWhy}`);
  const hostName = first(c.hostname)?.replace(/%h/g, spec.host).replace(/%%/g, '%') ?? spec.host;
  const hostWhy = invalidHostReason(hostName);
  if (hostWhy) throw new SshError('invalid-host', `${what} ${JSON.stringify(hostName)} is not a valid host: ${hostWhy}`);
  const tokens = { home: ctx.home, localUser: ctx.localUser, host: hostName, port, user };
  const files = c.identityfile === undefined ? [] : Array.isArray(c.identityfile) ? c.identityfile : [c.identityfile];
  const identityFiles = files.filter((f) => f.toLowerCase() !== 'none').map((f) => {
    // A relative IdentityFile stays relative to the working directory, as in OpenSSH (readconf.c add_identity_file).
    const p = expandTokens(f, tokens);
    return isAbsolute(p) ? p : resolve(p);
  });
  const agent = first(c.identityagent);
  let identityAgent: string | null | undefined;
  if (agent === 'none') identityAgent = null;
  else if (agent !== undefined && agent !== 'SSH_AUTH_SOCK') identityAgent = expandTokens(agent, tokens);
  const proxyJump = first(c.proxyjump);
  return { hop: { alias: spec.host, host: hostName.toLowerCase(), port, user, identityFiles, identityAgent }, proxyJump };
}

/** Hops for a ProxyJump value: the first hop's own ProxyJump applies, later hops' do not (ssh -J semantics). */
function resolveJumps(value: string | undefined, ctx: Ctx): SshHop[] {
  if (value === undefined || value.trim() === '' || value.trim().toLowerCase() === 'none') return [];
  if (ctx.depth > MAX_HOPS) throw new SshError('config', `more than ${MAX_HOPS} jump hosts (a ProxyJump loop?)`);
  const specs = value.split(',').map(parseJumpSpec);
  const hops: SshHop[] = [];
  specs.forEach((spec, i) => {
    const { hop, proxyJump } = resolveHop(spec, ctx, 'jump host');
    if (i === 0) hops.push(...resolveJumps(proxyJump, { ...ctx, depth: ctx.depth + 1 }));
    hops.push(hop);
  });
  if (hops.length > MAX_HOPS) throw new SshError('config', `more than ${MAX_HOPS} jump hosts (a ProxyJump loop?)`);
  return hops;
}

/**
 * The hops to dial for a node address taken from the cluster (InternalIP, ExternalIP or host
 * name). The address must be an IP or DNS name; anything else is refused here, before any
 * network or process activity.
 */
export function resolveSshTarget(address: string, options: ResolveOptions = {}): SshTarget {
  const why = invalidHostReason(address);
  if (why) throw new SshError('invalid-host', `node address ${JSON.stringify(address)} is not a valid host: ${why}`);
  const config = typeof options.config === 'string' ? parseSshConfig(options.config) : options.config;
  const ctx: Ctx = { config, home: options.home ?? homedir(), localUser: options.localUser ?? safeLocalUser(), depth: 0 };
  const o = options.overrides ?? {};
  if (o.port !== undefined && !validPort(o.port)) throw new SshError('invalid-host', `bad port ${o.port}`);
  const { hop, proxyJump } = resolveHop({ host: address, user: o.user, port: o.port }, ctx, 'node address');
  if (o.identityFiles && o.identityFiles.length > 0) hop.identityFiles = o.identityFiles.map((f) => resolve(f));
  const jumps = resolveJumps(o.jump ?? proxyJump, ctx);
  return { ...hop, jumps };
}

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}
