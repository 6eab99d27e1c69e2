/** Why a log line counts as an error, or undefined when it does not. */
export type ErrorKind = 'error' | 'timeout' | 'uncaught';

const ERROR_LEVELS = new Set(['ERROR', 'CRITICAL', 'FATAL']);

/** The JSON object in a line: the whole line, or the last tab-separated field (Lambda's text format prefix). */
function jsonOf(line: string): Record<string, unknown> | undefined {
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  try {
    const v = JSON.parse(line.slice(start));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Classifies one log line of a Lambda function:
 * - `timeout`: "Task timed out after …" (the runtime's timeout line);
 * - `uncaught`: the runtime's report of an uncaught exception / unhandled rejection / crash
 *   ("errorType"+"errorMessage" JSON, Runtime.* errors, "Process exited before completing request");
 * - `error`: a structured (Powertools / Lambda JSON format) entry with level ERROR, CRITICAL or FATAL, or a plain
 *   text line holding the word ERROR (Lambda's `<time>\t<request id>\tERROR\t<message>` from console.error,
 *   "[ERROR] …", the same rule as CloudWatch's `ERROR` filter pattern).
 * A structured entry with another level (e.g. WARN mentioning "error") does not count.
 */
export function classifyLogLine(line: string): ErrorKind | undefined {
  const text = line.trim();
  if (!text) return undefined;
  if (/Task timed out after/.test(text)) return 'timeout';
  if (/Process exited before completing request|Runtime\.(Unhandled|ImportModuleError|HandlerNotFound|ExitError|UserCodeSyntaxError)|Uncaught Exception|Unhandled Promise Rejection/i.test(text)) return 'uncaught';
  const json = jsonOf(text);
  if (json) {
    const level = typeof json.level === 'string' ? json.level.toUpperCase() : typeof json.severity === 'string' ? json.severity.toUpperCase() : undefined;
    const uncaught = 'errorType' in json && 'errorMessage' in json;
    if (level !== undefined) return ERROR_LEVELS.has(level) ? (uncaught ? 'uncaught' : 'error') : undefined;
    if (uncaught) return 'uncaught';
  }
  if (/\bERROR\b/.test(text)) return /\bInvoke Error\b/.test(text) ? 'uncaught' : 'error';
  return undefined;
}
