// What a lean replacement of a kafkajs module is: the module it stands in for in Node's CommonJS
// cache, the kafkajs modules that take a reference to it when they load, and how it is built.

export interface Replacement {
  /** The kafkajs module replaced, as a require path. */
  module: string;
  /**
   * The kafkajs modules that require it when they themselves load (not lazily, at a call): one
   * loaded before the replacement holds kafkajs' own, so it must load after it.
   */
  users: readonly string[];
  /** The lean version, given kafkajs' own (to fall back on where it does not decide itself). */
  create(original: unknown): unknown;
}
