export { main, type CliOptions } from './cli-main';
export type { CliStream, CliInput } from './cli-context';
