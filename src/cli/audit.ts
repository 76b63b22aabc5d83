/** CLI: audit, explain and verify (issue 4). */
import type { Command } from 'commander';

export function registerAuditCommands(_program: Command): void {}
