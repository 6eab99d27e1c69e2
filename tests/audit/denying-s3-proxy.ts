import { answeringProxy } from '../helpers/forward.js';

/**
 * A loopback proxy in front of the sandbox that answers every S3 request for one bucket (path style) with 403
 * AccessDenied, as AWS answers a caller whose policy leaves that bucket out, and forwards everything else. moto
 * enforces no IAM, so a denied bucket can only be played this way.
 */
export async function denyingS3Proxy(target: string, bucket: string): Promise<{ url: string; denied: string[]; close(): Promise<void> }> {
  const denied: string[] = [];
  const proxy = await answeringProxy(target, (req) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path !== `/${bucket}` && !path.startsWith(`/${bucket}/`)) return undefined;
    denied.push(`${req.method} ${path}`);
    const headers = { 'content-type': 'application/xml', 'x-amz-request-id': 'denying-proxy' };
    if (req.method === 'HEAD') return { status: 403, headers };
    return { status: 403, headers, body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' };
  });
  return { ...proxy, denied };
}
