import type { AgenticStarSimulator } from './agenticstar-simulator';
import type { AliyunAppServerSimulator } from './aliyun-appserver-simulator';
import type { AliyunIceSimulator } from './aliyun-ice-simulator';
import type { CodeerSimulator } from './codeer-simulator';
import type { MiiboSimulator } from './miibo-simulator';

/** The running simulators to point the SDKs at, by platform; give any of them. */
export interface SimulatorEnvSources {
  agenticstar?: AgenticStarSimulator;
  codeer?: CodeerSimulator;
  miibo?: MiiboSimulator;
  ice?: AliyunIceSimulator;
  appServer?: AliyunAppServerSimulator;
}

/** The environment variables {@link simulatorEnv} sets for each kind of simulator. */
export interface SimulatorEnvNames {
  agenticstar:
    | 'AGENTICSTAR_BASE_URL'
    | 'AGENTICSTAR_TOKEN_URL'
    | 'AGENTICSTAR_CLIENT_ID'
    | 'AGENTICSTAR_CLIENT_SECRET'
    | 'AGENTICSTAR_EDITION';
  codeer: 'CODEER_BASE_URL' | 'CODEER_API_KEY' | 'CODEER_AGENT_ID';
  miibo: 'MIIBO_BASE_URL' | 'MIIBO_API_KEY' | 'MIIBO_AGENT_ID' | 'MIIBO_ADMIN_API_KEY';
  ice: 'ALIYUN_ICE_ENDPOINT' | 'ALIBABA_CLOUD_ACCESS_KEY_ID' | 'ALIBABA_CLOUD_ACCESS_KEY_SECRET';
  appServer: 'ALIYUN_APPSERVER_URL';
}

/** The variables of the simulators in `S`, each a string. */
export type SimulatorEnv<S extends SimulatorEnvSources = SimulatorEnvSources> = {
  [N in SimulatorEnvNames[keyof S & keyof SimulatorEnvNames]]: string;
};

const SOURCES = ['agenticstar', 'codeer', 'miibo', 'ice', 'appServer'] as const;

/**
 * The documented environment variables that point each SDK at a running simulator: its URL and the
 * credentials it accepts, so `createX({ env: simulatorEnv({ codeer }) })`, a gateway or a child process
 * talks to the simulator. AgenticStar is the SaaS edition (`AGENTICSTAR_EDITION=saas`, the OIDC token
 * endpoint). Values are read when called; call again after `configure()` changes a credential.
 */
export function simulatorEnv<S extends SimulatorEnvSources>(simulators: S): SimulatorEnv<S> {
  if (typeof simulators !== 'object' || simulators === null)
    throw new TypeError('testkit: simulatorEnv(simulators) takes an object such as { codeer, miibo }');
  for (const key of Object.keys(simulators)) {
    if (!(SOURCES as readonly string[]).includes(key))
      throw new TypeError(`testkit: simulatorEnv: unknown simulator "${key}" (allowed: ${SOURCES.join(', ')})`);
  }
  const { agenticstar, codeer, miibo, ice, appServer } = simulators as SimulatorEnvSources;
  const env: Record<string, string> = {};
  if (agenticstar) {
    Object.assign(env, {
      AGENTICSTAR_BASE_URL: agenticstar.url,
      AGENTICSTAR_TOKEN_URL: agenticstar.tokenUrl,
      AGENTICSTAR_CLIENT_ID: agenticstar.clientId,
      AGENTICSTAR_CLIENT_SECRET: agenticstar.clientSecret,
      AGENTICSTAR_EDITION: 'saas',
    });
  }
  if (codeer) {
    Object.assign(env, { CODEER_BASE_URL: codeer.url, CODEER_API_KEY: codeer.apiKey, CODEER_AGENT_ID: codeer.agentId });
  }
  if (miibo) {
    Object.assign(env, {
      MIIBO_BASE_URL: miibo.url,
      MIIBO_API_KEY: miibo.apiKey,
      MIIBO_AGENT_ID: miibo.agentId,
      MIIBO_ADMIN_API_KEY: miibo.adminApiKey,
    });
  }
  if (ice) {
    Object.assign(env, {
      ALIYUN_ICE_ENDPOINT: ice.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: ice.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ice.accessKeySecret,
    });
  }
  if (appServer) env.ALIYUN_APPSERVER_URL = appServer.url;
  return env as SimulatorEnv<S>;
}
