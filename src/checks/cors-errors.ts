import type { GatewayDesired } from '../gateway/config.js';
import { evaluateGatewayResponse } from '../gateway/cors.js';
import { matchPath } from '../gateway/proxy-event.js';
import { allowOriginValue } from '../gateway/responses.js';
import { bodyExcerpt, type GatewayResponse, type GatewayTransport } from '../gateway/transport.js';
import type { CheckResult } from './types.js';

/**
 * The half of the cors check about the errors API Gateway answers itself (docs/gateway.md, Gateway responses design):
 * a GET to a path no route serves is answered with MISSING_AUTHENTICATION_TOKEN (DEFAULT_4XX when that is not
 * customized), the one such error any request can provoke without reaching a function. Each allowed origin must get
 * itself back in Access-Control-Allow-Origin there, unless turnctl.yaml says otherwise; a foreign origin must not,
 * unless turnctl.yaml reflects the request's Origin by design (several origins).
 */

/** The path the check sends GET to: no route serves it, so API Gateway answers it itself. */
export const PROBE_PATH = '/__turnctl-cors-probe';

const TYPE = 'MISSING_AUTHENTICATION_TOKEN';
const ACAO = 'Access-Control-Allow-Origin';
const FIX = '`turnctl release plan` shows what differs from turnctl.yaml and `turnctl release apply` puts the gateway responses back';

type Item = NonNullable<CheckResult['items']>[number];

/** A path no GET (or ANY) route serves, or null when every one is served (greedy routes on / and below). */
export function probePath(routes: GatewayDesired['routes']): string | null {
  for (const path of [PROBE_PATH, '/']) if (!routes.some((r) => (r.method === 'GET' || r.method === 'ANY') && matchPath(r.path, path))) return path;
  return null;
}

/** The Access-Control-Allow-Origin mapping of the gateway response that answered, and whether gateway.responses.allowOrigin set it (else a types override did). */
function originMapping(desired: GatewayDesired, answeredBy: string): { mapping: string | undefined; fromAllowOrigin: boolean } {
  const mapping = desired.shape.gatewayResponses?.[answeredBy]?.parameters[`gatewayresponse.header.${ACAO}`];
  const base = allowOriginValue(desired.responsesAllowOrigin, desired.origins);
  return { mapping, fromAllowOrigin: 'value' in base && base.value === mapping };
}

/** What turnctl.yaml makes the probe answer `origin` with: the origin itself (probe it), or why not, and whether that is a choice of the config. */
function expectation(desired: GatewayDesired, origin: string): { echo: true } | { echo: false; ok: boolean; why: string } {
  const responses = desired.shape.gatewayResponses;
  if (!responses)
    return { echo: false, ok: false, why: "turnctl does not manage this API's gateway responses, so API Gateway's errors carry no CORS headers; declare gateway.cors (the gateway responses come with it)" };
  const r = evaluateGatewayResponse(responses, TYPE, { headers: { Origin: origin } });
  // A mapping only API Gateway can resolve (a stage or context variable): the live answer decides.
  if (r.headers[ACAO] === origin || ACAO in r.unresolved) return { echo: true };
  if (!r.answeredBy) return { echo: false, ok: true, why: `not expected: gateway.responses.types sets ${TYPE} and DEFAULT_4XX to false (API Gateway's own error, without CORS headers)` };
  const { mapping, fromAllowOrigin } = originMapping(desired, r.answeredBy);
  const where = fromAllowOrigin ? `gateway.responses.allowOrigin (${desired.responsesAllowOrigin})` : `gateway.responses.types.${r.answeredBy}.headers.${ACAO}`;
  const pinned = /^'(.*)'$/.exec(mapping ?? '')?.[1];
  if (pinned && desired.origins.includes(pinned)) return { echo: false, ok: true, why: `not expected: ${where} pins ${pinned}, so API Gateway's errors reach ${origin} without CORS headers by config` };
  return {
    echo: false,
    ok: false,
    why: `turnctl.yaml does not give ${origin} back on API Gateway's errors: ${where} sets ${ACAO} to ${mapping ?? 'nothing'} on ${r.answeredBy}; remove that override (turnctl then sends the allowed origin) or pin an allowed origin with gateway.responses.allowOrigin`,
  };
}

/** Why turnctl.yaml reflects a foreign origin on the probe's error (several origins), or null when it does not. */
function reflectedByDesign(desired: GatewayDesired, origin: string): string | null {
  const responses = desired.shape.gatewayResponses;
  if (!responses) return null;
  const r = evaluateGatewayResponse(responses, TYPE, { headers: { Origin: origin } });
  if (r.headers[ACAO] !== origin || !r.answeredBy) return null;
  const allowOrigin = desired.responsesAllowOrigin;
  const where = originMapping(desired, r.answeredBy).fromAllowOrigin
    ? `gateway.responses.allowOrigin ${allowOrigin}${allowOrigin === 'auto' ? ` with ${desired.origins.length} origins` : ''}`
    : `gateway.responses.types.${r.answeredBy}.headers`;
  return `reflected by design: ${where} maps the request's Origin (error bodies only, never credentials; pin one origin with gateway.responses.allowOrigin to stop it)`;
}

/** "HTTP 404 from MISSING_AUTHENTICATION_TOKEN" (the sandbox names the gateway response), with the body on a failure. */
function answered(res: GatewayResponse, withBody = false): string {
  const by = res.answeredBy ? ` from ${res.answeredBy}` : '';
  return `HTTP ${res.status}${by}${withBody && res.body.trim() ? ` ${bodyExcerpt(res.body, 160)}` : ''}`;
}

/** The gateway-error items of the cors check (one per allowed origin and the foreign one) and their summary. */
export async function gatewayErrorItems(desired: GatewayDesired, transport: GatewayTransport, foreign: string): Promise<{ items: Item[]; summary: string }> {
  const path = probePath(desired.routes);
  if (!path) {
    const detail = 'not probed: every GET path is served by a route (greedy routes on / and below), so no request gets an error API Gateway answers itself';
    return { items: [{ name: 'gateway error', ok: true, detail }], summary: `API Gateway errors ${detail}` };
  }
  const items: Item[] = [];
  let allowed = 0;
  let byConfig = 0;
  const probe = async (origin: string, judge: (res: GatewayResponse, echoed: string | undefined) => Omit<Item, 'name'>) => {
    const name = `gateway error from ${origin}`;
    try {
      const res = await transport.gatewayError(path, { Origin: origin });
      items.push({ name, ...judge(res, res.headers[ACAO.toLowerCase()]) });
    } catch (err) {
      items.push({ name, ok: false, detail: `GET ${path}: ${(err as Error).message}` });
    }
  };

  for (const origin of desired.origins) {
    const exp = expectation(desired, origin);
    if (!exp.echo) {
      if (exp.ok) byConfig++;
      items.push({ name: `gateway error from ${origin}`, ok: exp.ok, detail: exp.why });
      continue;
    }
    await probe(origin, (res, echoed) => {
      if (res.status < 400) return { ok: false, detail: `GET ${path} answered ${answered(res, true)}: a route serves it, so no API Gateway error was checked` };
      if (echoed === origin) {
        allowed++;
        return { ok: true, detail: `${answered(res)}: allowed` };
      }
      return { ok: false, detail: `GET ${path} answered ${answered(res, true)}: ${ACAO} is ${echoed === undefined ? 'missing' : `"${echoed}"`}; ${FIX}` };
    });
  }

  const reflected = reflectedByDesign(desired, foreign);
  if (reflected) items.push({ name: `gateway error from ${foreign}`, ok: true, detail: reflected });
  else
    await probe(foreign, (res, echoed) =>
      echoed !== foreign && echoed !== '*'
        ? { ok: true, detail: `${answered(res)}: refused (origin not echoed)` }
        : { ok: false, detail: `GET ${path} answered ${answered(res, true)}: foreign origin allowed (${ACAO}: ${echoed}) although turnctl.yaml does not reflect origins on this stage; ${FIX}` },
    );

  const parts = [`${allowed} origin(s) allowed`, ...(byConfig ? [`${byConfig} without CORS by config`] : []), `${foreign} ${reflected ? 'reflected by design' : 'refused'}`];
  return { items, summary: `API Gateway errors (GET ${path}): ${parts.join(', ')}` };
}
