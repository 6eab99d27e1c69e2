/**
 * The local Lambda runner, written next to the unpacked bundle and run with plain `node`:
 * imports the handler module, calls it like the Node.js runtime would, writes the outcome as JSON to a file.
 * Arguments: <module file> <export name> <function name> <timeout ms> <result file> <invoked ARN>; the event comes on
 * stdin. The context's version and memory come from the environment Lambda sets (AWS_LAMBDA_FUNCTION_*).
 */
export const RUNNER_SOURCE = `
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
const [moduleFile, exportName, functionName, timeoutMs, resultFile, invokedFunctionArn] = process.argv.slice(2);
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
const requestId = randomUUID();
const deadline = Date.now() + Number(timeoutMs);
const context = { functionName, functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION, awsRequestId: requestId, invokedFunctionArn,
  memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, logGroupName: '/aws/lambda/' + functionName, callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
// Like the Node.js Lambda runtime: plain console output gets "<time>\t<request id>\t<LEVEL>\t" in front.
for (const [method, level] of [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG']]) {
  const original = console[method].bind(console);
  console[method] = (...args) => original(new Date().toISOString() + '\\t' + requestId + '\\t' + level + '\\t' + args.map((a) => typeof a === 'string' ? a : JSON.stringify(a)).join(' '));
}
const finish = (outcome) => { writeFileSync(resultFile, JSON.stringify(outcome)); process.exit(0); };
const timer = setTimeout(() => { process.stderr.write(new Date().toISOString() + ' ' + requestId + ' Task timed out after ' + (Number(timeoutMs) / 1000).toFixed(2) + ' seconds\\n'); finish({ ok: false, errorType: 'Timeout', errorMessage: 'Task timed out' }); }, Number(timeoutMs));
process.stdout.write('START RequestId: ' + requestId + '\\n');
try {
  const mod = await import(pathToFileURL(moduleFile).href);
  const handler = mod[exportName];
  if (typeof handler !== 'function') throw Object.assign(new Error('handler ' + exportName + ' is not exported'), { name: 'Runtime.HandlerNotFound' });
  const result = await handler(event, context);
  clearTimeout(timer);
  process.stdout.write('END RequestId: ' + requestId + '\\n');
  finish({ ok: true, result: result === undefined ? null : result });
} catch (err) {
  clearTimeout(timer);
  process.stderr.write(new Date().toISOString() + '\\t' + requestId + '\\tERROR\\tInvoke Error \\t' + JSON.stringify({ errorType: err && err.name, errorMessage: err && err.message }) + '\\n');
  finish({ ok: false, errorType: (err && err.name) || 'Error', errorMessage: String((err && err.message) || err) });
}
`;
