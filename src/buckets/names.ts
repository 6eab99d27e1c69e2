/** Why a name is not a valid S3 bucket name (general purpose buckets), or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `bucket name "${name}" must be 3 to 63 characters long (it has ${name.length})`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return `bucket name "${name}" may only hold lower-case letters, digits, dots and dashes, and must start and end with a letter or digit`;
  if (name.includes('..')) return `bucket name "${name}" must not hold two dots in a row`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `bucket name "${name}" must not look like an IP address`;
  for (const p of ['xn--', 'sthree-', 'amzn-s3-demo-']) if (name.startsWith(p)) return `bucket name "${name}" must not start with "${p}"`;
  for (const s of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) if (name.endsWith(s)) return `bucket name "${name}" must not end with "${s}"`;
  return undefined;
}

/** Name of the inline policy turnctl keeps on each function role for its bucket grants. */
export const GRANTS_POLICY = 'turnctl-buckets';

/** `arn:aws:s3:::<bucket>`. */
export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;

/** The role name of `names.role(fn)`, which may be a role ARN given in turnctl.yaml (`arn:aws:iam::…:role/path/name`). */
export const roleName = (role: string) => (role.startsWith('arn:') ? role.slice(role.lastIndexOf('/') + 1) : role);
