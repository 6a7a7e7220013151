/**
 * The PostgreSQL store under real faults, through the built `kakehashi-server` binary on a private
 * PostgreSQL cluster (its own port, so stopping it disturbs no other test): the database stopped
 * (`pg_ctl stop -m fast`), frozen (SIGSTOP on the postmaster and every backend) and back again, and
 * payloads jsonb refuses (NUL, a lone surrogate). For each: what callers get and within what bound
 * (the server runs with 1 s connect and statement timeouts), that nothing acknowledged is lost, that
 * /healthz tells the truth, that a live chat stream goes on, and that the same server process recovers.
 *
 * miibo's own delivery goes to an unreachable URL (the server's public URL): the test delivers the
 * exact same request itself, during the fault and after it, as miibo's retries would.
 */
import { simulatorEnv, startMiiboSimulator, type MiiboSimulator } from '@kakehashi/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCI, type PostgresCluster, postgresUnavailableReason, startPostgresCluster } from './postgres-cluster';
import { groupStartBody, postJson, startServer, type ServerProcess } from './server-harness';
import {
  ADMIN_KEY,
  answeredWithin,
  deliver,
  deliverUntilAcknowledged,
  expectAllReadable,
  expectUnavailable,
  healthzBecomes,
  openChatStream,
  readGroup,
  startGroup,
  type StartedGroup,
  unreachableUrl,
} from './store-faults-harness';

/** A request must answer within this (a hang bound, not a speed target). */
const HANG_MS = 15_000;
const TIMEOUT_MS = 1000;
const SNAPSHOTS = Array.from({ length: 40 }, (_, i) => 'い'.repeat(i + 1));

const unavailable = postgresUnavailableReason();
if (unavailable && isCI) throw new Error(`PostgreSQL is required in CI but ${unavailable}`);

describe.skipIf(unavailable)(`PostgreSQL faults${unavailable ? ` — skipped: ${unavailable}` : ''}`, () => {
  let cluster: PostgresCluster;
  let miibo: MiiboSimulator;
  let server: ServerProcess;
  let env: Record<string, string>;
  const acknowledged: StartedGroup[] = [];
  const running: ServerProcess[] = [];
  /** Measured answer times during the faults, printed once at the end (for the record, not asserted). */
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    [cluster, miibo] = await Promise.all([startPostgresCluster(), startMiiboSimulator({ adminApiKey: ADMIN_KEY })]);
    env = {
      ...simulatorEnv({ miibo }),
      DATABASE_URL: cluster.url,
      KAKEHASHI_DATABASE_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
      KAKEHASHI_DATABASE_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
      KAKEHASHI_PUBLIC_URL: await unreachableUrl(),
    };
    server = await startServer(env);
    running.push(server);
  }, 60_000);
  afterAll(async () => {
    cluster?.thaw();
    await Promise.all(running.map((p) => p.stop()));
    await miibo?.close();
    cluster?.destroy();
    console.info(`[store-faults-postgres] answer times during the faults (ms): ${JSON.stringify(measured)}`);
  });

  /** During a fault: the webhook, a start and a long poll answer 503 within the bound; /healthz says 503. */
  async function expectRefusals(fault: string, pending: StartedGroup): Promise<void> {
    const refused = await answeredWithin(HANG_MS, () => deliver(server.url, pending.delivery));
    expectUnavailable(refused.value, await refused.value.text());
    measured[`${fault} webhook`] = refused.ms;

    const start = await answeredWithin(HANG_MS, () => postJson(`${server.url}/v1/agent-groups`, groupStartBody()));
    expectUnavailable(start.value, await start.value.text());
    measured[`${fault} start`] = start.ms;

    const poll = await answeredWithin(HANG_MS, () => fetch(`${server.url}/v1/agent-groups/${pending.groupId}?wait=2`));
    expectUnavailable(poll.value, await poll.value.text());
    measured[`${fault} GET ?wait=2`] = poll.ms;

    await healthzBecomes(server.url, 503);
  }

  /** After a fault: the retried delivery lands, /healthz says 200, everything acknowledged reads back. */
  async function expectRecovered(pending: StartedGroup): Promise<void> {
    const {
      value: { response },
    } = await answeredWithin(HANG_MS, () => deliverUntilAcknowledged(server.url, pending.delivery));
    expect(response.status).toBe(200);
    // `stored: false, duplicate: true` is truthful too: a statement sent to the frozen server before
    // the client gave up (503) runs once it thaws, and the retry finds the result already there.
    expect(await response.json()).toMatchObject({ received: true });
    acknowledged.push(pending);
    await healthzBecomes(server.url, 200);
    await expectAllReadable(server.url, acknowledged);
  }

  // Each fault hits a server with an acknowledged result and a started run whose delivery is pending
  // (and warm pool connections, which hang on a frozen server just like new ones).
  it.each([
    { fault: 'stopped', how: 'pg_ctl stop -m fast', inject: () => cluster.stop('fast'), heal: () => cluster.start() },
    { fault: 'frozen', how: 'SIGSTOP', inject: () => cluster.freeze(), heal: () => cluster.thaw() },
  ])(
    '$fault ($how): 503s within the bound, /healthz 503, a live chat stream goes on; healed: the retry lands',
    async ({ fault, inject, heal }) => {
      const first = await startGroup(server.url, miibo);
      expect((await deliver(server.url, first.delivery)).status).toBe(200);
      acknowledged.push(first);
      const pending = await startGroup(server.url, miibo);
      expect((await readGroup(server.url, pending.groupId)).status).toBe(200);

      // A chat stream live when the database goes away keeps streaming through the fault.
      miibo.configure({ eventDelayMs: 50, snapshots: SNAPSHOTS });
      const chat = await openChatStream(server.url, `${fault}: 流れ続けますか`);
      await chat.waitFor(2);

      inject();
      try {
        const seen = chat.received();
        await expectRefusals(fault, pending);
        await chat.waitFor(seen + 3);
        const chatted = await answeredWithin(HANG_MS, () => chat.done);
        expect(chatted.value).toBe(SNAPSHOTS.at(-1));
        measured[`${fault} chat stream end after the refusals`] = chatted.ms;
      } finally {
        heal();
        miibo.resetKnobs();
      }
      await expectRecovered(pending);
    },
  );

  it('stores a result with "\\u0000" and a lone surrogate as text and reads it back equal', async () => {
    const poison = 'nul:\u0000 lone:\ud800 end';
    miibo.configure({ groupAnswer: poison });
    try {
      const group = await startGroup(server.url, miibo);
      expect(group.delivery.body).toContain('\\u0000');
      expect(group.delivery.body).toContain('\\ud800');
      const stored = await deliver(server.url, group.delivery);
      expect(stored.status, await stored.clone().text()).toBe(200);
      const { body } = await readGroup(server.url, group.groupId);
      expect(
        (body.result as { orchestrationResponse: { finalResponse: string } }).orchestrationResponse.finalResponse,
      ).toBe(poison);
      acknowledged.push(group);
    } finally {
      miibo.resetKnobs();
    }
  });

  it('a fresh server process on the same database reads every acknowledged result', async () => {
    const fresh = await startServer(env);
    running.push(fresh);
    expect(acknowledged.length).toBe(5);
    await expectAllReadable(fresh.url, acknowledged);
  });
});
