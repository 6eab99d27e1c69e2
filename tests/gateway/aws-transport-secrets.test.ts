import { createServer } from 'node:http';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { checkHealth } from '../../src/checks/health.js';
import { openStage } from '../../src/context.js';
import type { GatewayDesired } from '../../src/gateway/config.js';
import { awsTransport } from '../../src/gateway/transport.js';
import { fingerprint } from '../../src/secrets/known.js';
import { spawnCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

const opts = { region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

describe('the HTTPS post-checks of an AWS stage', () => {
  it('GIVEN a deployed health function whose degraded answer quotes its secret WHEN the health check runs over HTTPS in a process that resolved no secret THEN the check result holds the fingerprint, never the value', async () => {
    // GIVEN a function whose DATABASE_URL comes from Secrets Manager, deployed (the live configuration holds the value)
    const p = makeProject();
    const dbUrl = `postgres://app:Pw-${p.name}@db.internal:5432/turn`;
    await new SecretsManagerClient(opts).send(new CreateSecretCommand({ Name: `${p.name}/db-url`, SecretString: dbUrl }));
    p.config.functions.health.environment.DATABASE_URL = { secret: `${p.name}/db-url` };
    p.writeConfig(p.config);
    const applied = await spawnCli(['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'], p.dir);
    expect(applied.code, applied.stderr).toBe(0);
    // AND the stage URL (a local server standing in for execute-api) answering health with the error it got, URL included
    const server = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'degraded', error: `connect ECONNREFUSED ${dbUrl}`, padding: 'x'.repeat(300) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/prod`;
      const desired = { apiName: `${p.name}-local-api`, routes: [{ method: 'GET', path: '/health', function: 'health', auth: 'none' }] } as unknown as GatewayDesired;
      // WHEN the health check runs through the AWS stage's transport
      const result = await checkHealth(desired, await awsTransport(openStage('local', { cwd: p.dir }), base));
      // THEN it fails with the answer, the URL shown as its fingerprint
      expect(result.ok).toBe(false);
      expect(result.detail).toContain(`GET /health answered 503 status degraded: {"status":"degraded","error":"connect ECONNREFUSED ${fingerprint(dbUrl)}"`);
      expect(JSON.stringify(result)).not.toContain(`Pw-${p.name}`);
    } finally {
      server.close();
    }
  });
});
