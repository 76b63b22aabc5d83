/** CLI: model and synth (issue 5). */
import type { Command } from 'commander';

export function registerModelCommands(_program: Command): void {}
