import type { parseArgs } from 'node:util';

/** Every flag of every subcommand (one parse for the whole command line). */
export const CLI_OPTIONS = {
  agent: { type: 'string' },
  session: { type: 'string' },
  chat: { type: 'string' },
  conversation: { type: 'string' },
  uid: { type: 'string' },
  user: { type: 'string' },
  channel: { type: 'string' },
  region: { type: 'string' },
  utterance: { type: 'string' },
  member: { type: 'string', multiple: true },
  'group-name': { type: 'string' },
  mission: { type: 'string' },
  description: { type: 'string' },
  email: { type: 'string', multiple: true },
  server: { type: 'string' },
  wait: { type: 'boolean' },
  'wait-seconds': { type: 'string' },
  json: { type: 'boolean' },
  'env-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** The parsed flags, as every subcommand receives them. */
export type CliValues = ReturnType<typeof parseArgs<{ options: typeof CLI_OPTIONS; allowPositionals: true }>>['values'];
