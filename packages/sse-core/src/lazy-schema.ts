/**
 * A schema (or any object) built the first time it is used, once. The packages declare their zod
 * schemas at module level with it, so importing a package builds none of them: `build` runs on the
 * first property read, method call or `in` check, including when another schema being built takes
 * this one as a part. What comes back stands for the built object everywhere (`safeParse`, `.shape`,
 * `.optional()`, `instanceof`, composition into other schemas), and types as `build`'s result.
 *
 * ```ts
 * export const settingsSchema = lazySchema(() => z.strictObject({ apiKey: z.string().min(1) }));
 * validateArgument(settingsSchema, settings, 'settings'); // built here, on the first call
 * ```
 *
 * `build` must not touch the schema it builds (build recursive schemas with zod's own getters). If
 * `build` throws, the error goes to that use and the next use tries again.
 */
export function lazySchema<S extends object>(build: () => S): S {
  let built: S | undefined;
  const target = (): S => {
    if (built === undefined) built = build();
    return built;
  };
  // The proxy's own target is an empty extensible object, so reporting the built object's
  // properties as configurable never breaks a proxy invariant.
  return new Proxy({} as S, {
    get: (_, key) => Reflect.get(target(), key),
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      if (descriptor !== undefined) descriptor.configurable = true;
      return descriptor;
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(target(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
}
