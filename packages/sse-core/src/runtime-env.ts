/**
 * The runtime's environment variables, for the settings that fall back to them, read only when a
 * setting is looked up (never at import). Node, Bun and Workers with `nodejs_compat` (where bindings
 * appear in `process.env`) give `process.env` itself; Deno gives a record whose reads ask `Deno.env`
 * and count a refused permission as unset, so a program run without `--allow-env` still works with
 * explicit options; a browser, or a Worker without `nodejs_compat`, gives an empty record.
 */
type EnvRecord = Record<string, string | undefined>;

interface EnvGlobals {
  Deno?: { env?: { get(name: string): string | undefined } };
  process?: { env?: EnvRecord };
}

const EMPTY: EnvRecord = Object.freeze({});
let denoEnv: EnvRecord | undefined;

/**
 * Where environment variables are read from when no `env` setting is given: `process.env` where the
 * runtime has one, a permission-safe view of `Deno.env` on Deno, else an empty record. Reading a
 * variable never throws.
 */
export function runtimeEnv(): EnvRecord {
  const g = globalThis as EnvGlobals;
  const deno = g.Deno?.env;
  if (deno !== undefined && typeof deno.get === 'function') {
    denoEnv ??= new Proxy(Object.create(null) as EnvRecord, {
      get(_target, name) {
        if (typeof name !== 'string') return undefined;
        try {
          return deno.get(name);
        } catch {
          return undefined; // PermissionDenied / NotCapable: no --allow-env for this variable
        }
      },
    });
    return denoEnv;
  }
  try {
    return g.process?.env ?? EMPTY;
  } catch {
    return EMPTY;
  }
}
