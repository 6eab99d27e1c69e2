import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isWriteCommand } from '../../src/aws/clients.js';
import { recordAwsCalls, runCli } from '../helpers/cli.js';
import { makeProject } from '../helpers/project.js';

interface Case {
  name: string;
  /** Mutates the project; returns the args (default: plan releases/1.0.0.yaml on local). */
  arrange: (dir: string, edit: (file: string, fn: (text: string) => string) => void) => string[] | void;
  /** Where the one error line must point. */
  where: RegExp;
  code?: number;
}

const cases: Case[] = [
  { name: 'YAML syntax error', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('functions:', 'functions: [\n')), where: /turnctl\.yaml:\d+:\d+: YAML syntax error/ },
  { name: 'unknown top-level key', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('functions:', 'functoins:')), where: /turnctl\.yaml:\d+:1: unknown key "functoins"; did you mean "functions"\?/ },
  { name: 'wrong type', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('memory: 256', 'memory: big')), where: /turnctl\.yaml:\d+:\d+: "functions\.health\.memory" must be a number/ },
  { name: 'unknown function key', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('memory: 256', 'memroy: 256')), where: /turnctl\.yaml:\d+:\d+: unknown key "functions\.health\.memroy"; did you mean "memory"\?/ },
  { name: 'bad runtime', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('memory: 256', 'memory: 256\n    runtime: nodejs14.x')), where: /turnctl\.yaml:\d+:\d+: "functions\.health\.runtime" must be one of/ },
  { name: 'bad account id', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace(/account: "?123456789012"?/, 'account: "12345"')), where: /turnctl\.yaml:\d+:\d+: .*12-digit/ },
  { name: 'unknown env reference kind', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('LOG_LEVEL: info', 'LOG_LEVEL:\n          vault: x')), where: /turnctl\.yaml:\d+:\d+: .*LOG_LEVEL/ },
  { name: 'missing entry file', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('memory: 256', 'memory: 256\n    entry: src/nowhere.ts')), where: /turnctl\.yaml:\d+:\d+: function "health": entry file src\/nowhere\.ts not found/ },
  { name: 'unknown substitution', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('LOG_LEVEL: info', 'LOG_LEVEL: ${level}')), where: /turnctl\.yaml:\d+:\d+: unknown substitution \$\{level\}/ },
  { name: 'unknown stage variable', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('LOG_LEVEL: info', 'LOG_LEVEL: ${var.level}')), where: /turnctl\.yaml:\d+:\d+: unknown variable \$\{var\.level\}/ },
  { name: 'duplicate key', arrange: (_d, edit) => edit('turnctl.yaml', (t) => t.replace('memory: 256', 'memory: 256\n    memory: 512')), where: /turnctl\.yaml:\d+:\d+: YAML syntax error: Map keys must be unique/ },
  { name: 'unknown stage', arrange: () => ['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'qa'], where: /turnctl\.yaml:\d+:\d+: unknown stage "qa"; stages in turnctl\.yaml: local, staging, prod/ },
  // A misspelt stage under database.stages was never used: that stage silently had no database settings.
  { name: 'database settings for an unknown stage', arrange: (_d, edit) => edit('turnctl.yaml', (t) => `${t}database:\n  stages:\n    stagin:\n      via: lambda\n`), where: /turnctl\.yaml:\d+:\d+: database\.stages names unknown stage "stagin"; use one of: local, staging, prod/ },
  // A typo in legal.docs read as "terms.md: not found; create it" (plan) and listed every published document as live-only (status).
  { name: 'legal documents directory that does not exist', arrange: (_d, edit) => { edit('turnctl.yaml', (t) => `${t}legal:\n  docs: legl\n`); return ['legal', 'status', '--stage', 'local']; }, where: /turnctl\.yaml:\d+:\d+: legal documents directory legl does not exist; fix legal\.docs or create it/ },
  // CreateUserPool refuses the name on AWS (the sandbox takes it): refused before the bootstrap step or users add writes.
  { name: 'user pool name Cognito refuses', arrange: (_d, edit) => { edit('turnctl.yaml', (t) => `${t}users:\n  pool: portal/\${stage}\n`); return ['users', 'list', '--stage', 'local']; }, where: /turnctl\.yaml:\d+:\d+: user pool name "portal\/local" is not a Cognito pool name/ },
  { name: 'manifest version not semver', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => t.replace('version: 1.0.0', 'version: one')), where: /releases\/1\.0\.0\.yaml:1:\d+: "version": must be a semantic version/ },
  { name: 'manifest unknown key', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => `${t}rollbak: auto\n`), where: /releases\/1\.0\.0\.yaml:\d+:1: unknown key "rollbak"; did you mean "rollback"\?/ },
  { name: 'manifest bad rollback policy', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => `${t}rollback: sometimes\n`), where: /releases\/1\.0\.0\.yaml:\d+:\d+: "rollback" must be one of: "auto", "manual"/ },
  { name: 'manifest unknown check', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => t.replace('- smoke', '- smok')), where: /releases\/1\.0\.0\.yaml:\d+:\d+: unknown check "smok"/ },
  // A check in the other phase would run where it proves nothing, or (plan-fresh after the steps) always fail and roll
  // every release back: refused when the manifest is read, before anything is applied.
  { name: 'manifest pre-check listed under post', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => t.replace('- smoke', '- plan-fresh')), where: /releases\/1\.0\.0\.yaml:\d+:\d+: "plan-fresh" is a pre-check, not a post-check; move it to checks\.pre/ },
  { name: 'manifest post-check listed under pre', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => t.replace('- credentials', '- smoke')), where: /releases\/1\.0\.0\.yaml:\d+:\d+: "smoke" is a post-check, not a pre-check; move it to checks\.post/ },
  // The errors window is only read by the errors post-check, after every step: a typo must not cost an apply and a rollback.
  { name: 'manifest errors window not a duration', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => t.replace('checks:\n', 'checks:\n  errors:\n    window: 5q\n')), where: /releases\/1\.0\.0\.yaml:\d+:\d+: checks\.errors\.window "5q" is not a duration/ },
  {
    name: 'manifest errors window not a duration, on apply',
    arrange: (_d, edit) => {
      edit('releases/1.0.0.yaml', (t) => t.replace('checks:\n', 'checks:\n  errors:\n    window: 5 min\n'));
      return ['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--yes'];
    },
    where: /releases\/1\.0\.0\.yaml:\d+:\d+: checks\.errors\.window "5 min" is not a duration/,
  },
  { name: 'manifest missing', arrange: () => ['release', 'plan', 'releases/9.9.9.yaml', '--stage', 'local'], where: /releases\/9\.9\.9\.yaml: release manifest not found/ },
  { name: 'manifest version does not match file name', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => t.replace('version: 1.0.0', 'version: 1.0.1')), where: /releases\/1\.0\.0\.yaml:1:\d+: version "1\.0\.1" does not match the file name/ },
  { name: 'manifest unknown scope section', arrange: (_d, edit) => edit('releases/1.0.0.yaml', (t) => `${t}scope: [funcs]\n`), where: /releases\/1\.0\.0\.yaml:\d+:\d+: "scope\.0" must be one of/ },
  {
    name: 'saved plan is not JSON',
    arrange: (d) => {
      writeFileSync(join(d, 'plan.json'), '{"version": 1, "steps": [}');
      return ['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--plan', 'plan.json', '--yes'];
    },
    where: /plan\.json:1:\d+: JSON syntax error/,
  },
  {
    name: 'saved plan of an unknown version',
    arrange: (d) => {
      writeFileSync(join(d, 'plan.json'), JSON.stringify({ version: 2, release: '1.0.0', stage: 'local', digest: 'x', steps: [] }));
      return ['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--plan', 'plan.json', '--yes'];
    },
    where: /plan\.json:1:\d+: plan version 2 is not supported/,
  },
  {
    // A change edited in the file (what a reviewer reads) while its step's fingerprint still matches live: apply would
    // apply the plan as it was made, not as it reads.
    name: 'saved plan with an edited change',
    arrange: (d) => {
      const edited = { id: 'env:health:STAGE', action: 'update', before: 'scrypt:0000000000', after: 'scrypt:1111111111' };
      const steps = [{ section: 'env', changes: [edited], fingerprint: '4f53cda18c2baa0c' /* of no changes */ }];
      writeFileSync(join(d, 'plan.json'), JSON.stringify({ version: 1, release: '1.0.0', stage: 'local', digest: 'x', steps }, null, 2));
      return ['release', 'apply', 'releases/1.0.0.yaml', '--stage', 'local', '--plan', 'plan.json', '--yes'];
    },
    where: /plan\.json:\d+:\d+: the changes of step env do not match its fingerprint \(the plan was edited\); re-run release plan --out/,
  },
  // Smoke events are read when the release is planned, not first by the post-check after every step was applied.
  {
    name: 'smoke event with a JSON syntax error',
    arrange: (_d, edit) => edit('src/lambdas/hello/smoke.json', () => '{"httpMethod": "GET",\n  "path": }\n'),
    where: /src\/lambdas\/hello\/smoke\.json:2:\d+: JSON syntax error/,
  },
  { name: 'empty smoke event', arrange: (_d, edit) => edit('src/lambdas/hello/smoke.json', () => ''), where: /src\/lambdas\/hello\/smoke\.json:1: the event file is empty; write the event as JSON \(e\.g\. \{\}\)$/ },
  {
    name: 'invoke with an empty event file',
    arrange: (d) => {
      writeFileSync(join(d, 'empty.json'), '');
      return ['invoke', 'health', '--stage', 'local', '--event', 'empty.json'];
    },
    where: /empty\.json:1: the event file is empty/,
  },
  // A function named on the command line that turnctl.yaml does not declare: a usage error listing the declared ones.
  { name: 'invoke of an unknown function', arrange: () => ['invoke', 'helth', '--stage', 'local'], where: /unknown function "helth"; functions in turnctl\.yaml: health, hello$/, code: 64 },
  { name: 'env show of an unknown function', arrange: () => ['env', 'show', 'helth', '--stage', 'local'], where: /unknown function "helth"; functions in turnctl\.yaml: health, hello$/, code: 64 },
  { name: 'build of an unknown function', arrange: () => ['build', 'helth'], where: /unknown function "helth"; functions in turnctl\.yaml: health, hello$/, code: 64 },
];

describe('bad input: exit 65 (64 for a bad argument), one line naming file:line, no stack trace, no AWS write call', () => {
  it.each(cases)('$name', async (c) => {
    const p = makeProject();
    const edit = (file: string, fn: (text: string) => string) => writeFileSync(join(p.dir, file), fn(readFileSync(join(p.dir, file), 'utf8')));
    const args = c.arrange(p.dir, edit) ?? ['release', 'plan', 'releases/1.0.0.yaml', '--stage', 'local'];
    const { result: r, calls } = await recordAwsCalls(() => runCli(args, p.dir));
    expect(r.code, r.stderr).toBe(c.code ?? 65);
    const lines = r.stderr.split('\n').filter((l) => l.trim());
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(c.where);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(calls.filter((x) => isWriteCommand(x.command))).toEqual([]);
  });
});
