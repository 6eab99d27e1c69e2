import { createHash } from 'node:crypto';
import { canonicalJson } from '../json.js';
import type { GatewayResponseShape } from './responses.js';

/**
 * The part of a REST API turnctl manages, in one normalized form shared by the desired state (from turnctl.yaml) and
 * the live state (read from API Gateway), so the diff compares like with like. Authorizers and validators are named,
 * never referenced by id (ids differ between APIs).
 */
export interface ApiShape {
  /** Resource path → HTTP method → method. Every ancestor path of a method's path is present (possibly `{}`). */
  resources: Record<string, Record<string, MethodShape>>;
  /** Model name → canonical JSON schema text. */
  models: Record<string, string>;
  validators: Record<string, ValidatorShape>;
  authorizers: Record<string, AuthorizerShape>;
  /**
   * Gateway response type → its customization. Undefined in a desired shape: turnctl does not manage them (no `cors:`,
   * no `responses:`); undefined in a journalled before-state written before turnctl read them: restore leaves them alone.
   */
  gatewayResponses?: Record<string, GatewayResponseShape>;
}

export interface ValidatorShape {
  body: boolean;
  params: boolean;
}

export interface AuthorizerShape {
  type: string;
  providerArns: string[];
  identitySource: string;
}

export interface MethodShape {
  authorizationType: string;
  /** Authorizer name, or null. */
  authorizer: string | null;
  /** Request validator name, or null. */
  validator: string | null;
  /** `method.request.header.X` / `method.request.querystring.q` / `method.request.path.p` → required. */
  requestParameters: Record<string, boolean>;
  /** Content type → model name. */
  requestModels: Record<string, string>;
  integration: IntegrationShape | null;
  /** Status code → method response. */
  responses: Record<string, { parameters: Record<string, boolean> }>;
}

export interface IntegrationShape {
  type: string;
  httpMethod: string | null;
  uri: string | null;
  requestTemplates: Record<string, string>;
  /** Status code → integration response (non-proxy integrations only). */
  responses: Record<string, { parameters: Record<string, string>; templates: Record<string, string> }>;
}

/** Stage throttling of all methods (`*\/*`). */
export interface Throttling {
  rate: number;
  burst: number;
}

export const emptyShape = (): ApiShape => ({ resources: {}, models: {}, validators: {}, authorizers: {}, gatewayResponses: {} });

export { canonicalJson };

/** Deep equality through canonical JSON (shapes are plain JSON data). */
export function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Hash of the API definition a deployment snapshots; kept in the deployment's description. */
export function shapeDigest(shape: ApiShape): string {
  // Without gateway responses the digest is the one earlier turnctl versions wrote, so their deployments still match.
  const { gatewayResponses, ...rest } = shape;
  const hashed = gatewayResponses && Object.keys(gatewayResponses).length ? shape : rest;
  return createHash('sha256').update(canonicalJson(hashed)).digest('hex').slice(0, 16);
}

/** The deployment description turnctl writes, and how to read the digest back. */
export const deploymentDescription = (digest: string, release?: string) => `turnctl ${digest}${release ? ` release ${release}` : ''}`;
export function digestOfDescription(description: string | undefined): string | null {
  return /^turnctl ([0-9a-f]{16})\b/.exec(description ?? '')?.[1] ?? null;
}

/** Every ancestor of a path, itself included, root excluded: /a/b → [/a, /a/b]. */
export function pathAndAncestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** Parent path of a resource path (`/` for top-level). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Depth of a path (number of segments). */
export const depth = (path: string) => path.split('/').filter(Boolean).length;

/** Route key as shown in change ids: `POST /subscriptions`. */
export const routeKey = (method: string, path: string) => `${method} ${path}`;
