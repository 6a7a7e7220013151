/**
 * Two real `kakehashi-server` processes sharing one PostgreSQL database (the throwaway cluster from
 * postgres-global-setup.ts): miibo's webhook lands on instance B while the caller waits on instance A.
 */
import { simulatorEnv, startMiiboSimulator, type MiiboSimulator } from '@kakehashi/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliveryFor, groupStartBody, postJson, startServer, type ServerProcess } from './server-harness';

const databaseUrl = inject('databaseUrl');
const skipReason = inject('postgresSkipReason');

describe.skipIf(!databaseUrl)(
  `two server processes on one PostgreSQL${databaseUrl ? '' : ` — skipped: ${skipReason}`}`,
  () => {
    let miibo: MiiboSimulator;
    let url: string;
    const running: ServerProcess[] = [];

    beforeAll(async () => {
      miibo = await startMiiboSimulator({ webhookDelayMs: 200 });
      const name = `kakehashi_servers_${process.pid}_${Date.now()}`;
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const u = new URL(databaseUrl);
      u.pathname = `/${name}`;
      url = u.href;
    });
    afterAll(async () => {
      await Promise.all(running.map((p) => p.stop()));
      await miibo?.close();
    });

    it('a caller waiting on instance A is answered when the webhook lands on instance B', async () => {
      const shared = {
        DATABASE_URL: url,
        KAKEHASHI_WEBHOOK_SECRET: 'shared-secret-between-instances',
        ...simulatorEnv({ miibo }),
      };
      const b = await startServer(shared);
      running.push(b);
      // A tells miibo to deliver to B, as a load balancer in front of both would route it.
      const a = await startServer({ ...shared, KAKEHASHI_PUBLIC_URL: b.url });
      running.push(a);
      expect(a.stderr()).toContain('"store":"postgres"');

      const { groupId } = (await (await postJson(`${a.url}/v1/agent-groups`, groupStartBody())).json()) as {
        groupId: string;
      };
      const answered = await fetch(`${a.url}/v1/agent-groups/${groupId}?wait=20`);
      const body = (await answered.json()) as { groupId: string; status: string; result: unknown };
      expect(body).toMatchObject({ groupId, status: 'completed' });

      const delivery = await deliveryFor(miibo, groupId);
      expect(delivery.url).toBe(`${b.url}/webhooks/miibo/agent-groups`);
      expect(delivery.status).toBe(200);
      expect(body.result).toEqual((JSON.parse(delivery.body) as { result: unknown }).result);
      // B logged the webhook; A only the start and the wait.
      expect(b.stderr()).toContain('agent group result stored');
      expect(a.stderr()).not.toContain('agent group result stored');

      // And B serves the same record.
      expect(await (await fetch(`${b.url}/v1/agent-groups/${groupId}`)).json()).toEqual(body);
    });
  },
);
