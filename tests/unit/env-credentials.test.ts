import { describe, expect, it } from 'vitest';
import { envCredentials } from '../../src/context.js';

describe('credentials in the environment that win over a stage profile', () => {
  it.each([
    ['keys', { AWS_ACCESS_KEY_ID: 'AKIA…', AWS_SECRET_ACCESS_KEY: 'x' }, true],
    ['an OIDC web identity (GitHub Actions)', { AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/token', AWS_ROLE_ARN: 'arn:aws:iam::1:role/ci' }, true],
    ['an ECS task / CodeBuild role (relative container URI)', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc' }, true],
    ['an EKS Pod Identity (full container URI)', { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials' }, true],
    ['only AWS_PROFILE', { AWS_PROFILE: 'dev' }, false],
    ['nothing', {}, false],
  ])('GIVEN %s in the environment THEN envCredentials is %s', (_what, env, expected) => {
    expect(envCredentials(env as NodeJS.ProcessEnv)).toBe(expected);
  });
});
