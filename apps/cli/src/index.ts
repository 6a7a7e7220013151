export { OutputClosedError } from './cli-errors';
export { main, type CliOptions } from './cli-main';
export type { CliStream, CliInput } from './cli-context';
