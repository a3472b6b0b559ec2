/**
 * Field names held against OpenAI's own GA types (the `openai` package, types only: nothing of it runs). Our emulator
 * is written from the same understanding as the proxy's parser, so a misspelt field would pass every test against it;
 * the vendor's generated types are the independent source.
 */

type ObjectPart<T> = NonNullable<T> extends readonly unknown[] ? never : NonNullable<T> extends object ? NonNullable<T> : never;
type KeysOf<T> = T extends unknown ? keyof T : never;
type At<T, K> = T extends unknown ? (K extends keyof T ? T[K] : never) : never;

/**
 * Our field paths (under `Path`) that the vendor's type, in any member of its unions, does not name; every member of
 * our own unions is checked. `usage` is skipped: read as whatever numbers it holds.
 */
export type Unnamed<Ours, Theirs, Path extends string> = Ours extends unknown
  ? {
      [K in keyof Ours & string]: K extends 'usage'
        ? never
        : K extends KeysOf<Theirs>
          ? [ObjectPart<Ours[K]>] extends [never]
            ? never
            : Unnamed<ObjectPart<Ours[K]>, ObjectPart<At<Theirs, K>>, `${Path}.${K}`>
          : `${Path}.${K}`;
    }[keyof Ours & string]
  : never;

/** For every member of our union `Ours`: its field paths the vendor's event of the same `type` does not name. */
export type UnnamedFields<Ours, Vendor> = Ours extends infer E
  ? E extends { type: infer T extends string }
    ? Unnamed<E, Extract<Vendor, { type: T }>, T>
    : never
  : never;
