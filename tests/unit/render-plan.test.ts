import { describe, expect, it } from 'vitest';
import { renderPlan } from '../../src/release/render.js';
import type { Plan } from '../../src/release/types.js';

const plan = (changes: Plan['steps'][number]['changes']): Plan =>
  ({ version: 1, release: '1.0.0', stage: 'local', digest: 'sha256:0123456789abcdef', summary: { create: 0, update: changes.length, delete: 0 }, steps: [{ section: 'gateway', changes, fingerprint: 'f' }] }) as unknown as Plan;

describe('renderPlan', () => {
  it('GIVEN an update whose after-state lacks keys the before-state has (a model schema losing "required") and a nested change WHEN rendered THEN the removed keys are shown going to ∅ and the nested change at its dotted path, not as the whole map twice', () => {
    // GIVEN a model change that drops "required" and "description" and changes a property
    const before = { type: 'object', description: 'Body of POST /x', required: ['name'], properties: { name: { type: 'string' } } };
    const after = { type: 'object', properties: { name: { type: 'string', maxLength: 40 } } };
    // WHEN rendered
    const lines = renderPlan(plan([{ id: 'model:HelloRequest', action: 'update', before, after }]), false);
    // THEN the line names every key that differs, the removed ones included
    expect(lines).toContain(
      '    ~ model:HelloRequest  properties.name.maxLength: ∅ → 40, description: Body of POST /x → ∅, required: ["name"] → ∅',
    );
  });

  it('GIVEN a bucket policy and a role policy change (statements with a Sid) WHEN rendered THEN only the statements that differ are shown, at Statement.<Sid>, not every statement twice', () => {
    const tls = { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' };
    const docs = { Sid: 'NoDocs', Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::1:role/r' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/d/*' };
    const read = { Sid: 'TurnctlB0Read', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::b/d/*' };
    const lines = renderPlan(
      plan([
        { id: 's3:b:policy', action: 'update', before: { Version: '2012-10-17', Statement: [tls] }, after: { Version: '2012-10-17', Statement: [tls, docs] } },
        { id: 'iam:r:turnctl-buckets', action: 'update', before: { Statement: [read, { ...read, Sid: 'TurnctlB0Write', Action: ['s3:PutObject'] }] }, after: { Statement: [{ ...read, Resource: 'arn:aws:s3:::b/e/*' }] } },
        // statements without a Sid are shown whole
        { id: 's3:c:policy', action: 'update', before: { Statement: [{ Effect: 'Deny' }] }, after: { Statement: [{ Effect: 'Allow' }] } },
      ]),
      false,
    );
    expect(lines).toContain(`    ~ s3:b:policy  Statement.NoDocs: ∅ → ${JSON.stringify(docs)}`);
    expect(lines).toContain(`    ~ iam:r:turnctl-buckets  Statement.TurnctlB0Read.Resource: arn:aws:s3:::b/d/* → arn:aws:s3:::b/e/*, Statement.TurnctlB0Write: ${JSON.stringify({ ...read, Sid: 'TurnctlB0Write', Action: ['s3:PutObject'] })} → ∅`);
    expect(lines).toContain('    ~ s3:c:policy  Statement: [{"Effect":"Deny"}] → [{"Effect":"Allow"}]');
  });

  it('GIVEN a gateway redeployment WHEN rendered THEN it reads deploymentId <old> → new (not → ∅)', async () => {
    const { diffGateway } = await import('../../src/gateway/diff.js');
    // GIVEN a stage serving a deployment of another definition
    const desired = { managed: true, apiName: 'a', stageName: 'local', routes: [{ method: 'GET', path: '/x', function: 'x', auth: 'none' }], functions: {}, throttling: null, shape: { resources: { '/': {}, '/x': { GET: { authorizationType: 'NONE', authorizer: null, validator: null, requestParameters: {}, requestModels: {}, integration: null, responses: {} } } }, models: {}, validators: {}, authorizers: {} } };
    const live = { apiId: 'api1', poolArn: null, permissions: {}, stage: { deploymentId: 'dep1', deployedDigest: 'old', throttling: null }, shape: structuredClone(desired.shape) };
    const changes = diffGateway(desired as never, live as never);
    // WHEN rendered THEN the deployment line says a new deployment replaces dep1
    expect(renderPlan(plan(changes), false).find((l) => l.includes('~ deployment'))).toMatch(/~ deployment {2}deploymentId: dep1 → new, definition: old → [0-9a-f]+/);
  });
});
