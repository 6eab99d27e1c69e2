import type { Check } from './types.js';

/** Pre-check: the caller's STS account is the stage's account, before any write. */
export const check: Check = {
  name: 'credentials',
  phase: 'pre',
  async run({ ctx }) {
    const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const sts = await ctx.aws.sts();
    let id;
    try {
      id = await sts.send(new GetCallerIdentityCommand({}));
    } catch (err) {
      return { name: 'credentials', ok: false, detail: `no usable AWS credentials for stage ${ctx.stage.name}: ${(err as Error).message.split('\n')[0]}` };
    }
    const ok = id.Account === ctx.stage.account;
    return {
      name: 'credentials',
      ok,
      detail: ok
        ? `account ${id.Account} as ${id.Arn}`
        : `credentials are for account ${id.Account}, but stage ${ctx.stage.name} is account ${ctx.stage.account}; use the stage's profile`,
    };
  },
};
