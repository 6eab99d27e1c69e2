import * as s3m from '@aws-sdk/client-s3';
import * as iamm from '@aws-sdk/client-iam';

const cfg = () => ({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/** Second clients, independent of turnctl's, to read state back and tamper with it. */
export const s3 = () => new s3m.S3Client({ ...cfg(), forcePathStyle: true });
export const iam = () => new iamm.IAMClient(cfg());

async function orNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (['NoSuchBucket', 'NotFound', 'NoSuchCORSConfiguration', 'NoSuchBucketPolicy', 'NoSuchPublicAccessBlockConfiguration', 'ServerSideEncryptionConfigurationNotFoundError', 'NoSuchEntityException', 'NoSuchEntity'].includes((err as Error).name)) return null;
    throw err;
  }
}

/** Everything about a bucket, read through a fresh S3 client. */
export async function bucketSnapshot(Bucket: string) {
  const c = s3();
  const exists = await orNull(() => c.send(new s3m.HeadBucketCommand({ Bucket })));
  if (!exists) return { exists: false };
  const [ver, pab, enc, cors, pol] = await Promise.all([
    c.send(new s3m.GetBucketVersioningCommand({ Bucket })),
    orNull(() => c.send(new s3m.GetPublicAccessBlockCommand({ Bucket }))),
    orNull(() => c.send(new s3m.GetBucketEncryptionCommand({ Bucket }))),
    orNull(() => c.send(new s3m.GetBucketCorsCommand({ Bucket }))),
    orNull(() => c.send(new s3m.GetBucketPolicyCommand({ Bucket }))),
  ]);
  return {
    exists: true,
    versioning: ver.Status ?? null,
    publicAccessBlock: pab?.PublicAccessBlockConfiguration ?? null,
    encryption: enc?.ServerSideEncryptionConfiguration?.Rules ?? null,
    cors: cors?.CORSRules ?? null,
    policy: pol?.Policy ? JSON.parse(pol.Policy) : null,
  };
}

/** A role's inline policy document (parsed), read through a fresh IAM client; null when absent. */
export async function rolePolicy(RoleName: string, PolicyName = 'turnctl-buckets') {
  const res = await orNull(() => iam().send(new iamm.GetRolePolicyCommand({ RoleName, PolicyName })));
  return res ? JSON.parse(decodeURIComponent(res.PolicyDocument!)) : null;
}

/** Creates a Lambda execution role like the engine's bootstrap does. */
export async function createRole(RoleName: string) {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  await iam().send(new iamm.CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
}
