#!/usr/bin/env node
// The only place that sets the process exit code.
import { main } from '../dist/cli.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
