import { database } from '../lib/db.js';
import { HttpError, InputError, NotFoundError } from '../lib/errors.js';
import { httpHandler } from '../lib/handler.js';
import { requestedPath, type Caller } from '../lib/http.js';
import { isUuid } from '../lib/validate.js';
import { createSubscription, findOwnSubscription, listOwnSubscriptions } from './store.js';
import { parseNewSubscription } from './validate.js';

/** Environment this function needs (read statically by turnctl's env-complete check). */
export const REQUIRED_ENV = ['STAGE', 'DATABASE_URL', 'ALLOWED_ORIGINS'] as const;

/** How many of the caller's subscriptions `GET /subscriptions` returns (latest first). */
const LIST_LIMIT = 100;

/** Cognito-authorized subscription routes: create (no overlaps), read own, list own. */
export const handler = httpHandler('subscriptions', [
  {
    method: 'POST',
    resource: '/subscriptions',
    auth: true,
    async handle(req, obs) {
      const caller = req.caller as Caller;
      try {
        const input = parseNewSubscription(req.jsonBody());
        const sub = await createSubscription(await database(), caller, input);
        obs.track('SubscriptionCreated', { subscriptionId: sub.id, vehicleId: sub.vehicleId, termMonths: sub.termMonths, startDate: sub.startDate });
        return { status: 201, json: sub, headers: { Location: `${requestedPath(req.event, '/subscriptions')}/${sub.id}` } };
      } catch (err) {
        if (err instanceof HttpError) {
          obs.track('SubscriptionRejected', { status: err.status, reason: err.code, field: err instanceof InputError ? err.field : undefined });
        }
        throw err;
      }
    },
  },
  {
    method: 'GET',
    resource: '/subscriptions',
    auth: true,
    async handle(req, obs) {
      const items = await listOwnSubscriptions(await database(), req.caller as Caller, LIST_LIMIT);
      obs.track('SubscriptionsListed', { count: items.length });
      return { status: 200, json: { items } };
    },
  },
  {
    method: 'GET',
    resource: '/subscriptions/{id}',
    auth: true,
    async handle(req, obs) {
      const id = req.pathParams.id;
      // Someone else's subscription and a missing one look the same: 404.
      const sub = isUuid(id) ? await findOwnSubscription(await database(), req.caller as Caller, id) : undefined;
      if (!sub) throw new NotFoundError('no such subscription');
      obs.track('SubscriptionViewed', { subscriptionId: sub.id });
      return { status: 200, json: sub };
    },
  },
]);
