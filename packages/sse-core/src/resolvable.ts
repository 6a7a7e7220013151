/** A value given directly, as a promise, or as a function called each time it is needed (sync or async). */
export type Resolvable<T> = T | PromiseLike<T> | (() => T | PromiseLike<T>);

/** Resolves a {@link Resolvable}: calls it if it is a function, awaits it if it is a promise. */
export async function resolveValue<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | PromiseLike<T>)() : await value;
}
