import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { makeProject, type TestProject } from './project.js';

/** A Secrets Manager client of the test sandbox (a second client, independent of turnctl's). */
export const sandboxSecrets = new SecretsManagerClient({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/**
 * A test project (not applied yet) whose `health` function takes TOKEN from a new Secrets Manager secret
 * `<project>/token` holding `value(project)`, with `handler` as its source: for the tests of what turnctl prints when a
 * function prints its secret.
 */
export async function projectWithSecretToken(value: (p: TestProject) => string, handler: string): Promise<{ p: TestProject; token: string; secretId: string }> {
  const p = makeProject();
  const token = value(p);
  const secretId = `${p.name}/token`;
  await sandboxSecrets.send(new CreateSecretCommand({ Name: secretId, SecretString: token }));
  p.config.functions.health.environment.TOKEN = { secret: secretId };
  p.writeConfig(p.config);
  p.write('src/lambdas/health/index.ts', handler);
  return { p, token, secretId };
}
