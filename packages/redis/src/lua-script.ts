import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

const loaded = new Map<string, LuaScript>();

/**
 * A Lua script shipped as `lua/<name>-<numberOfKeys>.lua` beside `dist/`,
 * run by EVALSHA, falling back to EVAL when the server does not know it yet.
 */
export class LuaScript {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly source: string;
  readonly sha: string;

  private constructor(file: string, source: string) {
    const match = /^(.+)-(\d+)\.lua$/.exec(file);
    if (match === null) throw new Error(`Lua script file names are name-<numberOfKeys>.lua, got ${file}`);
    this.name = match[1] as string;
    this.numberOfKeys = Number(match[2]);
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Loads (once per process) a script from the package's `lua/` folder. */
  static load(file: string): LuaScript {
    let script = loaded.get(file);
    if (script === undefined) {
      // Relative to this compiled file: dist/lua-script.js → lua/<file>, also from src/ in tests.
      const source = readFileSync(new URL(`../lua/${file}`, import.meta.url), 'utf8');
      script = new LuaScript(file, source);
      loaded.set(file, script);
    }
    return script;
  }

  /** Runs the script; `keys` must hold exactly `numberOfKeys` keys. */
  async run(redis: Redis | Cluster, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new Error(`${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    // One flat array: ioredis flattens it, and a spread of many thousand arguments could overflow the stack.
    const flat: string[] = new Array<string>(keys.length + args.length);
    for (let index = 0; index < keys.length; index++) flat[index] = keys[index] as string;
    for (let index = 0; index < args.length; index++) flat[keys.length + index] = String(args[index]);
    try {
      return await redis.evalsha(this.sha, this.numberOfKeys, flat);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await redis.eval(this.source, this.numberOfKeys, flat);
    }
  }

  /**
   * Runs the script with binary-safe arguments and replies: Buffers and
   * strings go as they are, bulk replies come back as Buffers (integers stay numbers).
   */
  async runBuffer(redis: Redis | Cluster, keys: readonly string[], args: readonly (string | Buffer | number)[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new Error(`${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    const flat: (string | Buffer | number)[] = new Array<string | Buffer | number>(2 + keys.length + args.length);
    flat[0] = this.sha;
    flat[1] = this.numberOfKeys;
    for (let index = 0; index < keys.length; index++) flat[2 + index] = keys[index] as string;
    for (let index = 0; index < args.length; index++) flat[2 + keys.length + index] = args[index] as string | Buffer | number;
    try {
      return await redis.callBuffer('EVALSHA', flat);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      flat[0] = this.source;
      return await redis.callBuffer('EVAL', flat);
    }
  }
}
