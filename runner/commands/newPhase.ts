/** `pgphase new phase`: placeholder until the generic isolation driver lands (see issue 12). */
import type { Command } from 'commander';

export function registerNewPhase(_cmd: Command, _program: Command, _setExit: (code: number) => void): void {}
