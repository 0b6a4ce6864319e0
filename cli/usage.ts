// Help texts. Kept next to each other so the commands read the same way.

export const MAIN_HELP = `proxyscope: diagnose Kubernetes Service networking from kube-proxy's data plane

Usage:
  proxyscope analyze <snapshot> [--format text|json|markdown|html] [--out FILE] [--fail-on SEVERITY]
  proxyscope explain <snapshot> --node NODE --service NAMESPACE/NAME[:PORT]
  proxyscope trace <snapshot> --node NODE --to IP:PORT[/tcp|udp|sctp] [--from IP] [--format text|json]
  proxyscope demo [--format text|json|markdown|html] [--out FILE]
  proxyscope contexts [--kubeconfig FILE] [--format text|json] [--approve-exec CONTEXT]
  proxyscope scan --out DIR [--kubeconfig FILE] [--context C] [--nodes a,b | --all] [--via ssh|pod] [--sudo] [--report FILE]
  proxyscope serve [--port P] [--snapshot DIR|FILE] [--allow-terminals]
  proxyscope <command> --help
  proxyscope --version

A snapshot is a directory or a .tar.gz holding cluster.json (kubectl get svc,endpointslices,pods,nodes -A -o json)
and, per node, nodes/<node>/ with what kube-proxy programmed: iptables-save.txt (+ ip6tables-save.txt,
iptables-legacy-save.txt), nft.json / nft.txt, ipvsadm.txt + ipset.txt + ip-addr.txt, conntrack.txt, node.json.

Exit codes: 0 no findings at or above --fail-on, 1 findings at or above it, 2 usage or input error.
`;

export const ANALYZE_HELP = `Usage: proxyscope analyze <snapshot> [options]

Maps every kube-proxy rule of every node back to its Service, EndpointSlice and Pod and reports
what is wrong (stale, not-ready or missing backends, Services not programmed, orphan rules ...).

Arguments:
  <snapshot>            a snapshot directory, or a .tar.gz/.tgz of one

Options:
  --format FORMAT       text (default: a terminal summary), json, markdown (md) or html
  --out FILE            write the report to FILE instead of standard output
  --fail-on SEVERITY    exit 1 when there is a finding at or above SEVERITY:
                        critical, high (default), medium, low, info, or never
  --workers N           threads to use (default: all available cores)
  -h, --help            show this help

Colours are used on a terminal only, and never when NO_COLOR is set.
`;

export const EXPLAIN_HELP = `Usage: proxyscope explain <snapshot> --node NODE --service NAMESPACE/NAME[:PORT]

Shows how one Service is programmed on one node: each frontend (address:port -> chain), the
cluster and local paths with every load-balancing step, endpoint chain and DNAT rule (file:line
and the raw rule), expected and programmed backends side by side (OK, STALE, NOT-READY,
MISSING), and the findings about that Service on that node.

Options:
  --node NODE           node name as in the snapshot's nodes/ folder
  --service NS/NAME[:PORT]
                        the Service; PORT is a port name or number (all ports when left out)
  -h, --help            show this help
`;

export const TRACE_HELP = `Usage: proxyscope trace <snapshot> --node NODE --to IP:PORT[/tcp|udp|sctp] [options]

Follows one packet (the first of a new connection) through the node's data plane, in each mode
its dumps show: iptables (nat PREROUTING or OUTPUT, KUBE-SERVICES and the Service chains, filter,
POSTROUTING), nftables (the kube-proxy table's hooks, verdict maps, numgen) and IPVS (virtual
server, real servers, and the iptables rules around it). Prints every rule met with its line
number and whether it matched, then every end state: each backend with its probability (or
IPVS weight), masquerading, DROP and REJECT. What the dumps cannot tell (the source address
when --from is not given, session-affinity entries, interfaces) becomes a condition, not a guess.

Options:
  --node NODE           node name as in the snapshot's nodes/ folder
  --to IP:PORT[/PROTO]  destination; IPv6 as [ADDR]:PORT; PROTO tcp (default), udp or sctp
  --from IP             source address of the packet (default: any source)
  --from-node           the packet is sent by a process on the node (nat/filter OUTPUT)
  --format FORMAT       text (default) or json
  --all-rules           list every rule that did not match instead of folding long runs
  -h, --help            show this help

The node's own addresses (for --dst-type LOCAL and routing) come from its Node object in
cluster.json and from ip-addr.txt (\`ip -o addr show\`) when present.
Exit codes: 0 traced, 2 usage or input error.
`;

export const DEMO_HELP = `Usage: proxyscope demo [options]

Runs the analysis on the built-in demo snapshot (a small cluster with known problems).

Options:
  --format FORMAT       text (default), json, markdown (md) or html
  --out FILE            write the report to FILE instead of standard output
  --fail-on SEVERITY    as for analyze; default never (the demo has findings on purpose)
  -h, --help            show this help
`;

export const CONTEXTS_HELP = `Usage: proxyscope contexts [options]

Lists the contexts of your kubeconfig, merged as kubectl merges them (--kubeconfig, else every
file in KUBECONFIG, first one wins per name, else ~/.kube/config). The current context is marked
with *. A context that cannot be used shows its own error; the others stay usable. Reads files
only: nothing is sent to a cluster and no credential plugin is run.

Options:
  --kubeconfig FILE     use this kubeconfig only
  --format FORMAT       text (default) or json
  --approve-exec CONTEXT
                        remember your approval of CONTEXT's credential plugin (exec: command,
                        args and env variable names); Proxyscope never runs an unapproved one.
                        Stored in $XDG_CONFIG_HOME/proxyscope/exec-approvals.json (mode 0600)
  -h, --help            show this help

Exit codes: 0 listed, 2 unreadable kubeconfig or usage error.
`;

export const SCAN_HELP = `Usage: proxyscope scan --out DIR [options]

Reads Services, EndpointSlices, Pods and Nodes from the cluster, then connects to each node over
SSH (or, with --via pod, through a debug pod) and runs a fixed list of read-only commands
(iptables-save, nft, ipvsadm, ipset, ip addr, conntrack, kube-proxy's /proxyMode, /healthz,
/metrics). Writes a snapshot folder: cluster.json, nodes/<node>/<dumps> + node.json (per-command
status, exit code, time, bytes), and scan.json.
Host keys are checked strictly against known_hosts before any authentication.
--via pod creates one privileged, hostNetwork, hostPID pod per node (labelled
app.kubernetes.io/managed-by=proxyscope, deleted when the node is done, on cancel, and swept at
the next start) and runs the same commands in the host's namespaces with nsenter. It needs
create/get/list/delete on pods and get+create on pods/exec in that namespace, and the namespace
must allow privileged pods (pod-security.kubernetes.io/enforce=privileged). Never nodes/proxy.

Options:
  --kubeconfig FILE     use this kubeconfig only (default: KUBECONFIG, else ~/.kube/config)
  --context NAME        kubeconfig context (default: current-context)
  --nodes a,b           scan these nodes only
  --all                 scan every node (the default)
  --via ssh|pod         how to reach nodes (default ssh)
  --pod-namespace NS    namespace for the debug pods (default proxyscope)
  --pod-image IMG       debug pod image; needs nsenter and sleep, the tools are the node's
                        (default docker.io/library/debian:bookworm-slim)
  --pod-timeout S       how long a debug pod may take to start, image pull included (default 120)
  --ssh-config FILE     ssh_config to apply (default: ~/.ssh/config when it exists)
  --known-hosts FILE    known_hosts to trust (repeatable; default: ~/.ssh/known_hosts,
                        /etc/ssh/ssh_known_hosts and Proxyscope's own file)
  --accept-new-host-keys
                        trust unknown host keys on first use and store them in Proxyscope's own
                        known_hosts ($XDG_CONFIG_HOME/proxyscope/known_hosts); a changed key is
                        still refused
  --ssh-user USER       login user (default: from ssh_config, else your user name)
  --ssh-port PORT       SSH port (default: from ssh_config, else 22)
  -i, --identity FILE   private key (repeatable; default: ssh's default keys and ssh-agent)
                        (an encrypted key's passphrase is asked once on the terminal, never echoed)
  --jump HOST           jump host(s), ProxyJump syntax [user@]host[:port][,...]
  --node-override NODE=[user@]host[:port]
                        dial this address for NODE instead of its Node object's (repeatable)
  --sudo                run root-only commands through sudo -n (never prompts)
  --allow-exec          run the kubeconfig's credential plugin for this run without a stored approval
  --parallelism N       nodes scanned at once (default 8)
  --command-timeout S   per command, enforced on the node (default 60)
  --out DIR             the snapshot folder to write (new or empty)
  --report FILE         analyse the snapshot right after; format from the extension (.html .md .json .txt)
  -h, --help            show this help

Exit codes: 0 every node ok, 1 some node not ok (see the summary), 2 usage or input error.
`;

export const SERVE_HELP = `Usage: proxyscope serve [options]

Serves the desktop app's interface to your browser, on 127.0.0.1 only. Opens the demo cluster,
or the snapshot given with --snapshot; more can be imported from the page. Prints the URL to open:
it holds a random token made for this run, without which nothing is served. Requests for another
host name (DNS rebinding) or from another site are refused. Runs until Ctrl+C (SIGINT) or SIGTERM.

Options:
  --port P              port on 127.0.0.1 (default 0: any free port, printed)
  --snapshot PATH       a snapshot directory or .tar.gz to open first
  --allow-terminals     allow SSH terminals to nodes from the page (off by default: anyone with the
                        URL could then run commands as you)
  -h, --help            show this help

Exit codes: 0 stopped by a signal, 2 usage error, port in use, or the interface not built.
`;
