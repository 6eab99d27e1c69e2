import { LambdaClient, ListLayerVersionsCommand } from '@aws-sdk/client-lambda';
import { makeProject, type TestProject } from '../helpers/project.js';

/** A second Lambda client, independent of turnctl's, pointed at the sandbox (or a proxy): tests read state back through it. */
export function lambdaClient(endpoint = process.env.TURNCTL_SANDBOX_ENDPOINT): LambdaClient {
  return new LambdaClient({ endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}

/** Every version of a deployed layer as read back through a second client (oldest first). */
export async function publishedVersions(deployedName: string): Promise<Array<{ version: number; description: string; runtimes: string[]; arn: string }>> {
  const c = lambdaClient();
  const out: Array<{ version: number; description: string; runtimes: string[]; arn: string }> = [];
  let Marker: string | undefined;
  do {
    const res = await c.send(new ListLayerVersionsCommand({ LayerName: deployedName, Marker }));
    for (const v of res.LayerVersions ?? []) out.push({ version: Number(v.Version), description: v.Description ?? '', runtimes: v.CompatibleRuntimes ?? [], arn: v.LayerVersionArn! });
    Marker = res.NextMarker;
  } while (Marker);
  return out.sort((a, b) => a.version - b.version);
}

/** package.json of a layer with the given dependencies. */
export function layerPackage(deps: Record<string, string> = {}, version = '1.0.0'): string {
  return `${JSON.stringify({ name: 'test-layer', version, private: true, dependencies: deps }, null, 2)}\n`;
}

/** A lock file for a layer without dependencies (npm ci installs nothing, so no registry is needed). */
export function emptyLock(version = '1.0.0'): string {
  return `${JSON.stringify({ name: 'test-layer', version, lockfileVersion: 3, requires: true, packages: { '': { name: 'test-layer', version } } }, null, 2)}\n`;
}

/** A test project with layer `common` (no dependencies) that function `hello` names. */
export function layerProject(opts: { config?: (c: Record<string, any>) => void; lock?: boolean } = {}): TestProject {
  const p = makeProject({
    config: (c) => {
      c.layers = { common: { description: 'test layer' } };
      c.functions.hello.layers = ['common'];
      opts.config?.(c);
    },
  });
  p.write('layers/common/package.json', layerPackage());
  if (opts.lock !== false) p.write('layers/common/package-lock.json', emptyLock());
  return p;
}
