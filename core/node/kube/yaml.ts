import { load } from 'js-yaml';

// YAML for kubeconfigs and kube-proxy's config.conf: js-yaml 4's default schema, which is safe
// (no !!js types; aliases share objects instead of copying them, so an alias bomb costs no
// memory). js-yaml comes with @kubernetes/client-node; its own loadYaml is not used because it
// also runs the object through the generated model serializer (and loads all the models).

export function parseYaml(text: string): unknown {
  return load(text);
}
