import * as logsm from '@aws-sdk/client-cloudwatch-logs';
import * as cwm from '@aws-sdk/client-cloudwatch';

const cfg = () => ({ region: 'eu-central-1', endpoint: process.env.TURNCTL_SANDBOX_ENDPOINT, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/** Second clients, independent of turnctl's. */
export const logs = () => new logsm.CloudWatchLogsClient(cfg());
export const cloudwatch = () => new cwm.CloudWatchClient(cfg());

/** A log group's retention read through a fresh client: undefined when the group is missing, null = never expire. */
export async function retentionOf(name: string): Promise<number | null | undefined> {
  const res = await logs().send(new logsm.DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
  const g = res.logGroups?.find((x) => x.logGroupName === name);
  return g ? (g.retentionInDays ?? null) : undefined;
}

/** Alarms whose names start with `prefix`, read through a fresh client, keyed by name. */
export async function alarmsWithPrefix(prefix: string) {
  const res = await cloudwatch().send(new cwm.DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
  return Object.fromEntries((res.MetricAlarms ?? []).map((a) => [a.AlarmName!, a]));
}

/** Puts log lines into a function's log group (creating group and stream), as Lambda or the local invoker would. */
export async function putLogLines(group: string, lines: Array<{ message: string; at?: number }>, stream = `2026/01/01/[live]${Math.random().toString(16).slice(2)}`) {
  const c = logs();
  try {
    await c.send(new logsm.CreateLogGroupCommand({ logGroupName: group }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceAlreadyExistsException') throw err;
  }
  await c.send(new logsm.CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  const now = Date.now();
  await c.send(new logsm.PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: lines.map((l, i) => ({ message: l.message, timestamp: l.at ?? now + i })) }));
}
