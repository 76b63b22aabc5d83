#!/usr/bin/env node
// The `onestop` command: runs the compiled CLI (npm install builds dist/ through the prepare script).
import { main } from '../dist/cli/main.js';

// Output piped into `head` or a pager that stops reading: end quietly, as other command-line tools do.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv);
