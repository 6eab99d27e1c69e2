import type { Command } from 'commander';
import type { CommandHost } from '../cli.js';

/** Placeholder until the group is written. */
export function register(_group: Command, _host: CommandHost): void {}
