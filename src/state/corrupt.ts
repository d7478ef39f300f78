import { StateError } from '../errors';

/** A record that exists but does not parse: exit 6, and `circuit gc` reports it. */
export class CorruptRecordError extends StateError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`state file ${file} is corrupt (${reason}); run "circuit gc" to repair`);
  }
}
