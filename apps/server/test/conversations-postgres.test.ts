/**
 * Two real `kakehashi-server` processes sharing one PostgreSQL database (the throwaway cluster from
 * postgres-global-setup.ts), as behind a load balancer: a conversation's turns alternate between
 * them, each request carrying the whole history and no id, and every platform still sees one session.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { simulatorEnv, startSimulators, type Simulators } from './chat-completions-harness';
import { ask, mark, type Message, openaiClient, PLATFORMS, platformView } from './conversations-helpers';
import { startServer, type ServerProcess } from './server-harness';

const databaseUrl = inject('databaseUrl');
const skipReason = inject('postgresSkipReason');

describe.skipIf(!databaseUrl)(
  `conversations across two server processes on one PostgreSQL${databaseUrl ? '' : ` — skipped: ${skipReason}`}`,
  () => {
    let sims: Simulators;
    let a: ServerProcess;
    let b: ServerProcess;

    beforeAll(async () => {
      sims = await startSimulators();
      const name = `kakehashi_conversations_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const u = new URL(databaseUrl);
      u.pathname = `/${name}`;
      const env = { ...simulatorEnv(sims), DATABASE_URL: u.href };
      // Started together: both create the table at once (the advisory lock keeps that safe).
      [a, b] = await Promise.all([startServer(env), startServer(env)]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await sims?.close();
    });

    it.each(PLATFORMS)('%s: turn 1 on A, turn 2 on B, turn 3 on A: one platform session', async (platform) => {
      expect(a.stderr()).toContain('"conversations":"postgres"');
      expect(b.stderr()).toContain('"conversations":"postgres"');
      const since = mark(sims);
      const history: Message[] = [];
      const sessions: Array<string | undefined> = [];
      for (const [i, instance] of [a, b, a].entries()) {
        history.push({ role: 'user', content: `${platform}: ${i + 1}つ目の質問` });
        const answer = await ask(openaiClient(instance.url), platform, history, i % 2 === 1);
        sessions.push(answer.session);
        history.push({ role: 'assistant', content: answer.text });
      }
      expect(new Set(sessions).size).toBe(1);
      const seen = platformView(sims, platform, since);
      expect(seen.created).toBe(1);
      if (platform === 'agenticstar') expect(seen.turns).toEqual(['new', seen.createdIds[0], seen.createdIds[0]]);
      else expect(new Set(seen.turns).size).toBe(1);
    });
  },
);
