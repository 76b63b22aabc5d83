/** CLI: doctor: consistency of accumulators and settlements (issue 7). */
import type { Command } from 'commander';

export function registerDoctorCommand(_program: Command): void {}
