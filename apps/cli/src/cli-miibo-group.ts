import { httpRequest, type HeaderRecord } from '@kakehashi/sse-core';
import type { CliContext } from './cli-context';
import { UsageError } from './cli-errors';
import { Spinner } from './cli-output';

interface GroupStatus {
  groupId: string;
  status: 'started' | 'completed' | 'error';
  result?: unknown;
  error?: unknown;
}

export async function runMiiboGroup(args: string[], ctx: CliContext): Promise<number> {
  const { values, signal } = ctx;
  const [group, sub] = args;
  if (group !== 'group' || sub !== 'start') {
    throw new UsageError('usage: kakehashi miibo group start --utterance <text> --member <agentId>:<apiKey> [--wait]');
  }
  if (!values.utterance) throw new UsageError('miibo group start needs --utterance <text>');
  const members = (values.member ?? []).map((m) => {
    const colon = m.indexOf(':');
    if (colon <= 0 || colon === m.length - 1) throw new UsageError('--member takes <agentId>:<apiKey>');
    return { agentId: m.slice(0, colon), apiKey: m.slice(colon + 1) };
  });
  if (members.length === 0) throw new UsageError('miibo group start needs at least one --member <agentId>:<apiKey>');
  const server = (values.server ?? ctx.env.KAKEHASHI_SERVER_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
  const headers: HeaderRecord = {};
  if (ctx.env.KAKEHASHI_API_KEY) headers.authorization = `Bearer ${ctx.env.KAKEHASHI_API_KEY}`;

  const body = {
    utterance: values.utterance,
    uid: values.uid ?? 'kakehashi-cli',
    agentIds: members,
    groupName: values['group-name'] ?? 'kakehashi',
    groupMission: values.mission ?? values.utterance,
    groupDescription: values.description ?? 'started from the kakehashi CLI',
    ...(values.email ? { resultEmails: values.email, sendResultEmail: true } : {}),
  };
  const started = await call<GroupStatus>(`${server}/v1/agent-groups`, { headers, body: { json: body }, signal });
  if (!values.wait) {
    ctx.stdout.write(`${JSON.stringify(started)}\n`);
    return 0;
  }
  const spinner = new Spinner(`agent group ${started.groupId} is working…`, ctx.stderr).start();
  const waitSeconds = Number(values['wait-seconds'] ?? 600);
  const deadline = Date.now() + waitSeconds * 1000;
  try {
    for (;;) {
      const status = await call<GroupStatus>(`${server}/v1/agent-groups/${encodeURIComponent(started.groupId)}`, {
        headers,
        query: { wait: 25 },
        signal,
        timeouts: { headersMs: 40_000 },
      });
      if (status.status !== 'started') {
        spinner.stop();
        ctx.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return status.status === 'completed' ? 0 : 1;
      }
      if (Date.now() > deadline)
        throw new Error(`no result for agent group ${started.groupId} within ${waitSeconds} s`);
    }
  } finally {
    spinner.stop();
  }
}

/** One JSON call to the gateway, through sse-core (retries, timeouts, redacted errors). */
async function call<T>(url: string, options: Omit<Parameters<typeof httpRequest>[0], 'url' | 'read'>): Promise<T> {
  const res = await httpRequest({ ...options, url, read: 'buffer', provider: 'kakehashi-server' });
  return res.json<T>();
}
