import { describe, expect, it } from 'vitest';
import { NODE_COMMANDS } from '../../../../core/node/collect/commands';
import { podStateReason } from '../../../../core/node/collect/debugPod';
import { debugPodManifest, debugPodName, podDeadlineSec, podExecArgv } from '../../../../core/node/collect/debugPodSpec';
import { exitFromStatus, execPath } from '../../../../core/node/collect/podExec';
import { podOptionsProblem } from '../../../../core/node/collect/scanViaPods';
import { allowlistedTail } from '../../../helpers/fakeApiServer/fakeExec';

// The debug pod's argv, manifest and status handling, without a server.

describe('podExecArgv', () => {
  const cases = NODE_COMMANDS.flatMap((c) => c.variants.map((v, variant) => ({ id: c.id, variant, argv: v })));
  it.each(cases)('wraps $id (variant $variant) in nsenter + watcher + timeout, ending in the allowlisted argv', ({ id, variant, argv }) => {
    const full = podExecArgv(id, 60, variant);
    expect(full.slice(0, 9)).toEqual(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--']);
    expect(full.slice(-argv.length)).toEqual([...argv]);
    expect(allowlistedTail(full)).toEqual({ tail: [...argv] });
  });

  it('refuses a timeout outside 1..86400', () => {
    expect(() => podExecArgv('iptables-save', 0)).toThrow(/timeoutSec/);
    expect(() => podExecArgv('iptables-save', 86_401)).toThrow(/timeoutSec/);
  });

  it('puts every argv word into its own command parameter, never a shell string', () => {
    const path = execPath({ namespace: 'proxyscope', pod: 'p', container: 'proxyscope', argv: podExecArgv('ipset', 5) });
    const q = new URL(`https://x${path}`).searchParams;
    expect(q.getAll('command')).toEqual(podExecArgv('ipset', 5));
    expect(q.get('stdin')).toBe('true');
  });
});

describe('debugPodManifest', () => {
  it('pins a privileged, hostNetwork, hostPID pod without a service-account token and with a dead-man deadline', () => {
    const m = debugPodManifest({ name: debugPodName('0a1b2c3d', 4), namespace: 'proxyscope', node: 'n;$(x)', image: 'img:1', runId: '0a1b2c3d', activeDeadlineSeconds: 900 }) as {
      metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
      spec: Record<string, unknown>;
    };
    expect(m.metadata.name).toBe('proxyscope-0a1b2c3d-4');
    expect(m.metadata.labels['app.kubernetes.io/managed-by']).toBe('proxyscope');
    // The node name is data in the spec and an annotation, never a label value or a command.
    expect(m.spec.nodeName).toBe('n;$(x)');
    expect(JSON.stringify((m.spec.containers as unknown[])[0])).not.toContain('n;$(x)');
    expect(m.spec).toMatchObject({ hostNetwork: true, hostPID: true, automountServiceAccountToken: false, activeDeadlineSeconds: 900, tolerations: [{ operator: 'Exists' }] });
  });

  it('gives the pod enough life for the start and every command at its bound', () => {
    expect(podDeadlineSec(120, 13, 60)).toBe(120 + 13 * 65 + 60);
  });
});

describe('exitFromStatus', () => {
  const cases = [
    { name: 'Success is exit 0', text: '{"metadata":{},"status":"Success"}', want: { exit: { code: 0 } } },
    {
      name: 'NonZeroExitCode carries the code as a cause',
      text: JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '127' }] } }),
      want: { exit: { code: 127 } },
    },
    { name: 'another Failure is no exit code', text: JSON.stringify({ status: 'Failure', reason: 'InternalError', message: 'exec: "nsenter": executable file not found in $PATH' }), want: { failure: 'exec: "nsenter": executable file not found in $PATH' } },
    { name: 'garbage is no exit code', text: '{oops', want: { failure: 'the exec status is not valid JSON' } },
  ];
  it.each(cases)('$name', ({ text, want }) => expect(exitFromStatus(text)).toEqual(want));
});

describe('podStateReason', () => {
  const cases = [
    { name: 'a waiting container names its reason', pod: { status: { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } }] } }, want: /phase Pending; ErrImagePull: not found/ },
    { name: 'a pod the kubelet never reported on says so', pod: { status: { phase: 'Pending' } }, want: /no container status yet/ },
    { name: 'a failed pod names the kubelet reason', pod: { status: { phase: 'Failed', reason: 'OutOfcpu', message: 'Node didn\'t have enough resource' } }, want: /phase Failed; OutOfcpu: Node didn't have enough resource/ },
  ];
  it.each(cases)('$name', ({ pod, want }) => expect(podStateReason(pod)).toMatch(want));
});

describe('podOptionsProblem', () => {
  const cases = [
    { name: 'a valid namespace and image pass', o: { namespace: 'proxyscope', image: 'registry.example/x/y:1@sha256:abc' }, want: null },
    { name: 'an upper-case namespace is refused', o: { namespace: 'Kube' }, want: /not a valid namespace/ },
    { name: 'an image with spaces is refused', o: { image: 'a b' }, want: /not an image reference/ },
  ];
  it.each(cases)('$name', ({ o, want }) => {
    const got = podOptionsProblem(o);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });
});
