#!/usr/bin/env node
// The tstar command: runs the built CLI (apps/cli/dist), which `npm run build` produces.
// A closed pipe (`tstar … | head`) ends the output, not the program with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
let main;
try {
  ({ main } = await import('../dist/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write(`tstar: the CLI is not built (${error.message.split('\n')[0]}); run 'npm run build' in the repository\n`);
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
