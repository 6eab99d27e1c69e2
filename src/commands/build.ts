import type { Command } from 'commander';
import type { CommandHost } from '../cli.js';
import { UsageError } from '../errors.js';
import { outputOption, printResult } from './common.js';

/** `turnctl build [function…]`: bundle functions into deterministic zips in .turnctl/artifacts/. */
export function register(group: Command, host: CommandHost): void {
  group
    .argument('[functions...]', 'functions to build (default: all in turnctl.yaml)')
    .addOption(outputOption())
    .action(
      host.action(async (names: string[], opts: { output?: string }) => {
        const { loadProject } = await import('../config/load.js');
        const { bundleFunction } = await import('../build/bundle.js');
        const { stateDir } = await import('../paths.js');
        const project = loadProject(host.cwd);
        const all = Object.keys(project.config.functions);
        for (const n of names) if (!all.includes(n)) throw new UsageError(`unknown function "${n}"; functions in turnctl.yaml: ${all.join(', ')}`);
        const rows: Array<{ function: string; sha256: string; codeSha256: string; size: number; path: string }> = [];
        // A function named twice is built and listed once.
        for (const fn of names.length ? [...new Set(names)] : all) {
          const a = await bundleFunction(project.dir, stateDir(project.dir), fn, project.config.functions[fn]!);
          rows.push({ function: fn, sha256: a.sha256, codeSha256: a.codeSha256, size: a.size, path: a.path });
        }
        printResult(host.io, opts.output, rows, () => rows.map((r) => `${r.function.padEnd(16)} ${(r.size / 1024).toFixed(1).padStart(7)} KB  sha256 ${r.sha256}`));
      }),
    );
}
