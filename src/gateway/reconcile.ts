import type { APIGatewayClient, PatchOperation } from '@aws-sdk/client-api-gateway';
import type { Ctx } from '../context.js';
import { InternalError, isAwsError } from '../errors.js';
import { missingPool } from './config.js';
import { BUILTIN_MODELS } from './diff.js';
import type { GatewayLive } from './read.js';
import { depth, parentPath, same, type ApiShape, type IntegrationShape, type MethodShape } from './shape.js';

type Sdk = typeof import('@aws-sdk/client-api-gateway');

/** Which change ids to act on (apply: exactly the planned ones; restore: all). */
export type Only = (id: string) => boolean;

/** JSON-pointer escaping of a key inside a patch path (`application/json` → `application~1json`). */
const esc = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Patch operations that turn map `before` into `after` under `prefix` (add / replace / remove, values as strings). */
export function mapOps(prefix: string, before: Record<string, unknown>, after: Record<string, unknown>): PatchOperation[] {
  const ops: PatchOperation[] = [];
  for (const [k, v] of Object.entries(after)) {
    if (!(k in before)) ops.push({ op: 'add', path: `${prefix}/${esc(k)}`, value: String(v) });
    else if (before[k] !== v) ops.push({ op: 'replace', path: `${prefix}/${esc(k)}`, value: String(v) });
  }
  for (const k of Object.keys(before)) if (!(k in after)) ops.push({ op: 'remove', path: `${prefix}/${esc(k)}` });
  return ops;
}

interface Api {
  apiId: string;
  ids: GatewayLive['ids'];
}

/** Brings the REST API definition from `live` to `target` with the calls real API Gateway expects (Put* to create, Update* patch operations to change). */
export class DefinitionReconciler {
  /** Human lines of what was done. */
  readonly done: string[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly client: APIGatewayClient,
    private readonly sdk: Sdk,
    private readonly api: Api,
    /** Named in the error when the authorizer has no user pool to point at. */
    private readonly poolName: string | null,
  ) {}

  private idOf(kind: 'authorizers' | 'validators', name: string | null): string | undefined {
    if (!name) return undefined;
    if (name.startsWith('id:')) return name.slice(3);
    const id = this.api.ids[kind][name];
    if (!id) throw new InternalError(`gateway: ${kind.slice(0, -1)} "${name}" has no id after creation`);
    return id;
  }

  private async send<T>(command: { input: unknown }, what: string): Promise<T> {
    this.ctx.progress(`gateway: ${what}`);
    const out = await this.client.send(command as never);
    this.done.push(what);
    return out as T;
  }

  /** Runs the whole reconciliation in dependency order. */
  async run(target: ApiShape, live: ApiShape, only: Only): Promise<void> {
    const { sdk } = this;
    const restApiId = this.api.apiId;

    for (const [name, schema] of Object.entries(target.models)) {
      if (!only(`model:${name}`) || live.models[name] === schema) continue;
      if (live.models[name] === undefined) await this.send(new sdk.CreateModelCommand({ restApiId, name, contentType: 'application/json', schema }), `create model ${name}`);
      else await this.send(new sdk.UpdateModelCommand({ restApiId, modelName: name, patchOperations: [{ op: 'replace', path: '/schema', value: schema }] }), `update model ${name}`);
    }
    for (const [name, v] of Object.entries(target.validators)) {
      if (!only(`validator:${name}`) || same(v, live.validators[name])) continue;
      if (!live.validators[name]) {
        const out = await this.send<{ id?: string }>(
          new sdk.CreateRequestValidatorCommand({ restApiId, name, validateRequestBody: v.body, validateRequestParameters: v.params }),
          `create request validator ${name}`,
        );
        this.api.ids.validators[name] = out.id!;
      } else
        await this.send(
          new sdk.UpdateRequestValidatorCommand({
            restApiId,
            requestValidatorId: this.api.ids.validators[name],
            patchOperations: [
              { op: 'replace', path: '/validateRequestBody', value: String(v.body) },
              { op: 'replace', path: '/validateRequestParameters', value: String(v.params) },
            ],
          }),
          `update request validator ${name}`,
        );
    }
    for (const [name, a] of Object.entries(target.authorizers)) {
      if (!only(`authorizer:${name}`) || same(a, live.authorizers[name])) continue;
      if (a.providerArns.length === 0) throw missingPool(this.ctx, this.poolName);
      const l = live.authorizers[name];
      if (!l) {
        const out = await this.send<{ id?: string }>(
          new sdk.CreateAuthorizerCommand({ restApiId, name, type: 'COGNITO_USER_POOLS', providerARNs: a.providerArns, identitySource: a.identitySource }),
          `create authorizer ${name}`,
        );
        this.api.ids.authorizers[name] = out.id!;
      } else {
        const ops: PatchOperation[] = [
          ...a.providerArns.filter((p) => !l.providerArns.includes(p)).map((p) => ({ op: 'add' as const, path: '/providerARNs', value: p })),
          ...l.providerArns.filter((p) => !a.providerArns.includes(p)).map((p) => ({ op: 'remove' as const, path: `/providerARNs/${p}` })),
          ...(a.identitySource !== l.identitySource ? [{ op: 'replace' as const, path: '/identitySource', value: a.identitySource }] : []),
        ];
        await this.send(new sdk.UpdateAuthorizerCommand({ restApiId, authorizerId: this.api.ids.authorizers[name], patchOperations: ops }), `update authorizer ${name}`);
      }
    }

    const byDepth = (paths: string[]) => paths.sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
    // Removed methods and resources go before any resource is created: API Gateway allows one variable child per
    // resource, so a renamed path variable ({id} → {vehicleId}) needs the old resource gone before CreateResource of
    // its sibling ("A sibling ({id}) of this resource already has a variable path part"). The stage serves its
    // deployment's snapshot, so the order of definition writes is invisible to traffic.
    for (const [path, methods] of Object.entries(live.resources))
      for (const http of Object.keys(methods)) {
        if (target.resources[path]?.[http]) continue;
        const id = http === 'OPTIONS' ? `cors:${path}` : `route:${http} ${path}`;
        // A resource that goes away takes its methods with it.
        if (!only(id) || (!(path in target.resources) && only(`resource:${path}`))) continue;
        await this.send(new sdk.DeleteMethodCommand({ restApiId, resourceId: this.api.ids.resources[path], httpMethod: http }), `delete method ${http} ${path}`);
      }
    // Deepest first: moto does not cascade, and on AWS deleting children before their parent is equally fine.
    for (const path of byDepth(Object.keys(live.resources)).reverse()) {
      if (path === '/' || path in target.resources || !only(`resource:${path}`)) continue;
      await this.send(new sdk.DeleteResourceCommand({ restApiId, resourceId: this.api.ids.resources[path] }), `delete resource ${path}`);
      delete this.api.ids.resources[path];
    }
    for (const path of byDepth(Object.keys(target.resources))) {
      if (path === '/' || path in live.resources || this.api.ids.resources[path] || !only(`resource:${path}`)) continue;
      const parentId = this.api.ids.resources[parentPath(path)];
      if (!parentId) throw new InternalError(`gateway: parent of ${path} has no id`);
      const out = await this.send<{ id?: string }>(
        new sdk.CreateResourceCommand({ restApiId, parentId, pathPart: path.slice(path.lastIndexOf('/') + 1) }),
        `create resource ${path}`,
      );
      this.api.ids.resources[path] = out.id!;
    }

    for (const [path, methods] of Object.entries(target.resources))
      for (const [http, m] of Object.entries(methods)) {
        const ids = http === 'OPTIONS' ? [`cors:${path}`] : [`route:${http} ${path}`, `headers:${http} ${path}`];
        const l = live.resources[path]?.[http];
        if (!ids.some(only) || same(m, l)) continue;
        await this.method(path, http, m, l);
      }

    await this.gatewayResponses(target, live, only);

    for (const name of Object.keys(live.models))
      if (!(name in target.models) && !BUILTIN_MODELS.has(name) && only(`model:${name}`))
        await this.send(new sdk.DeleteModelCommand({ restApiId, modelName: name }), `delete model ${name}`);
    for (const name of Object.keys(live.validators))
      if (!(name in target.validators) && only(`validator:${name}`))
        await this.send(new sdk.DeleteRequestValidatorCommand({ restApiId, requestValidatorId: this.api.ids.validators[name] }), `delete request validator ${name}`);
    for (const name of Object.keys(live.authorizers))
      if (!(name in target.authorizers) && only(`authorizer:${name}`))
        await this.send(new sdk.DeleteAuthorizerCommand({ restApiId, authorizerId: this.api.ids.authorizers[name] }), `delete authorizer ${name}`);
  }

  /**
   * PutGatewayResponse replaces a type's whole customization (there is nothing to patch); DeleteGatewayResponse puts
   * API Gateway's default back. Skipped when the target does not manage them (no config, or an old journal).
   */
  private async gatewayResponses(target: ApiShape, live: ApiShape, only: Only): Promise<void> {
    if (!target.gatewayResponses) return;
    const restApiId = this.api.apiId;
    const lr = live.gatewayResponses ?? {};
    for (const [type, r] of Object.entries(target.gatewayResponses)) {
      if (!only(`response:${type}`) || same(r, lr[type])) continue;
      await this.send(
        new this.sdk.PutGatewayResponseCommand({
          restApiId,
          responseType: type as never,
          ...(r.statusCode ? { statusCode: r.statusCode } : {}),
          responseParameters: r.parameters,
          responseTemplates: r.templates,
        }),
        `put gateway response ${type}`,
      );
    }
    for (const type of Object.keys(lr)) {
      if (type in target.gatewayResponses || !only(`response:${type}`)) continue;
      try {
        await this.send(new this.sdk.DeleteGatewayResponseCommand({ restApiId, responseType: type as never }), `delete gateway response ${type} (API Gateway's default again)`);
      } catch (err) {
        if (!isAwsError(err, 'NotFoundException')) throw err; // already the default
      }
    }
  }

  private async putIntegration(resourceId: string, http: string, i: IntegrationShape, label: string): Promise<void> {
    await this.send(
      new this.sdk.PutIntegrationCommand({
        restApiId: this.api.apiId,
        resourceId,
        httpMethod: http,
        type: i.type as never,
        ...(i.httpMethod ? { integrationHttpMethod: i.httpMethod } : {}),
        ...(i.uri ? { uri: i.uri } : {}),
        ...(Object.keys(i.requestTemplates).length ? { requestTemplates: i.requestTemplates } : {}),
        ...(i.type === 'MOCK' ? { passthroughBehavior: 'WHEN_NO_MATCH' } : {}),
      }),
      `put integration ${label}`,
    );
  }

  /** Creates a method with everything it needs, or patches the parts that differ. */
  private async method(path: string, http: string, m: MethodShape, l: MethodShape | undefined): Promise<void> {
    const { sdk } = this;
    const restApiId = this.api.apiId;
    const resourceId = this.api.ids.resources[path];
    if (!resourceId) throw new InternalError(`gateway: resource ${path} has no id`);
    const label = `${http} ${path}`;
    const authorizerId = this.idOf('authorizers', m.authorizer);
    const requestValidatorId = this.idOf('validators', m.validator);
    const at = { restApiId, resourceId, httpMethod: http };

    if (!l) {
      await this.send(
        new sdk.PutMethodCommand({
          ...at,
          authorizationType: m.authorizationType,
          ...(authorizerId ? { authorizerId } : {}),
          ...(requestValidatorId ? { requestValidatorId } : {}),
          requestParameters: m.requestParameters,
          requestModels: m.requestModels,
        }),
        `create method ${label}`,
      );
    } else {
      const ops: PatchOperation[] = [];
      if (m.authorizationType !== l.authorizationType) ops.push({ op: 'replace', path: '/authorizationType', value: m.authorizationType });
      if (m.authorizer !== l.authorizer) ops.push({ op: 'replace', path: '/authorizerId', value: authorizerId ?? '' });
      if (m.validator !== l.validator) ops.push({ op: 'replace', path: '/requestValidatorId', value: requestValidatorId ?? '' });
      ops.push(...mapOps('/requestParameters', l.requestParameters, m.requestParameters), ...mapOps('/requestModels', l.requestModels, m.requestModels));
      if (ops.length) await this.send(new sdk.UpdateMethodCommand({ ...at, patchOperations: ops }), `update method ${label}`);
    }

    // Integration: PutIntegration creates or replaces (a new type); otherwise patch its URI / templates.
    const li = l?.integration ?? null;
    let replaced = false;
    if (m.integration && (!li || li.type !== m.integration.type)) {
      await this.putIntegration(resourceId, http, m.integration, label);
      replaced = true;
    } else if (m.integration && li) {
      const ops: PatchOperation[] = [];
      if (m.integration.uri !== li.uri && m.integration.uri) ops.push({ op: 'replace', path: '/uri', value: m.integration.uri });
      if (m.integration.httpMethod !== li.httpMethod && m.integration.httpMethod) ops.push({ op: 'replace', path: '/httpMethod', value: m.integration.httpMethod });
      ops.push(...mapOps('/requestTemplates', li.requestTemplates, m.integration.requestTemplates));
      if (ops.length) await this.send(new sdk.UpdateIntegrationCommand({ ...at, patchOperations: ops }), `update integration ${label}`);
    } else if (!m.integration && li) {
      await this.send(new sdk.DeleteIntegrationCommand(at), `delete integration ${label}`);
    }

    const lr = l?.responses ?? {};
    for (const [statusCode, r] of Object.entries(m.responses)) {
      if (!lr[statusCode]) await this.send(new sdk.PutMethodResponseCommand({ ...at, statusCode, responseParameters: r.parameters }), `put method response ${statusCode} ${label}`);
      else {
        const ops = mapOps('/responseParameters', lr[statusCode]!.parameters, r.parameters);
        if (ops.length) await this.send(new sdk.UpdateMethodResponseCommand({ ...at, statusCode, patchOperations: ops }), `update method response ${statusCode} ${label}`);
      }
    }

    const target = m.integration?.responses ?? {};
    const current = replaced || !li ? {} : li.responses;
    for (const [statusCode, r] of Object.entries(target)) {
      if (!current[statusCode])
        await this.send(
          new sdk.PutIntegrationResponseCommand({ ...at, statusCode, responseParameters: r.parameters, responseTemplates: r.templates }),
          `put integration response ${statusCode} ${label}`,
        );
      else {
        const ops = [...mapOps('/responseParameters', current[statusCode]!.parameters, r.parameters), ...mapOps('/responseTemplates', current[statusCode]!.templates, r.templates)];
        if (ops.length) await this.send(new sdk.UpdateIntegrationResponseCommand({ ...at, statusCode, patchOperations: ops }), `update integration response ${statusCode} ${label}`);
      }
    }
    if (m.integration)
      for (const statusCode of Object.keys(current))
        if (!target[statusCode]) await this.send(new sdk.DeleteIntegrationResponseCommand({ ...at, statusCode }), `delete integration response ${statusCode} ${label}`);
    for (const statusCode of Object.keys(lr))
      if (!m.responses[statusCode]) await this.send(new sdk.DeleteMethodResponseCommand({ ...at, statusCode }), `delete method response ${statusCode} ${label}`);
  }
}
