// EVAL, EVALSHA and SCRIPT for the in-memory store, on fengari (a Lua VM
// written in JavaScript, so a script runs synchronously on the same keyspace
// and is as atomic as Redis makes it). One Lua state serves every script, as
// in Redis; compiled scripts are cached by SHA-1. Replies convert between Lua
// and Redis by Redis's rules: integers to numbers (truncated), nil bulk to
// false, {ok=…} to a status, {err=…} to an error. Lua 5.3 runs the scripts
// here where Redis has 5.1; `unpack` is provided, other 5.1-only globals and
// the cjson/bit/struct libraries are not.
import { createHash } from "node:crypto";
import { lauxlib, lua, lualib, to_jsstring, to_luastring, type LuaState } from "fengari";
import { CommandError } from "../errors.ts";
import type { Argv, Reply } from "../protocol.ts";
import { formatScore, parseInteger, wrongArity, type CommandTable } from "./arguments.ts";

/** A runaway script would hold the store forever; Redis's own busy-script limit is 5 s. */
const SCRIPT_TIME_LIMIT_MS = 5_000;
/** Commands whose "OK" (or other text) reply is a status, which Lua sees as {ok=…}. */
const STATUS_REPLIES = new Set(["SET", "MSET", "SETEX", "PSETEX", "FLUSHDB", "FLUSHALL", "PING", "TYPE", "RENAME", "HMSET", "LSET", "LTRIM"]);

type Dispatch = (argv: Argv) => Reply;

class Scripts {
  readonly #L: LuaState;
  readonly #compiled = new Map<string, number>();
  #deadline = 0;

  constructor(dispatch: Dispatch) {
    const L = lauxlib.luaL_newstate();
    lualib.luaL_openlibs(L);
    this.#L = L;
    lua.lua_createtable(L, 0, 4);
    lua.lua_pushjsfunction(L, (state) => this.#call(state, dispatch, true));
    lua.lua_setfield(L, -2, to_luastring("call"));
    lua.lua_pushjsfunction(L, (state) => this.#call(state, dispatch, false));
    lua.lua_setfield(L, -2, to_luastring("pcall"));
    lua.lua_pushjsfunction(L, (state) => replyTable(state, "ok"));
    lua.lua_setfield(L, -2, to_luastring("status_reply"));
    lua.lua_pushjsfunction(L, (state) => replyTable(state, "err"));
    lua.lua_setfield(L, -2, to_luastring("error_reply"));
    lua.lua_setglobal(L, to_luastring("redis"));
    // Redis scripts are Lua 5.1, where unpack is global.
    lua.lua_getglobal(L, to_luastring("table"));
    lua.lua_getfield(L, -1, to_luastring("unpack"));
    lua.lua_setglobal(L, to_luastring("unpack"));
    lua.lua_pop(L, 1);
    lua.lua_sethook(L, (state) => {
      if (Date.now() > this.#deadline) {
        lua.lua_pushstring(state, to_luastring(`script ran longer than ${SCRIPT_TIME_LIMIT_MS / 1000} s and was stopped`));
        lua.lua_error(state);
      }
    }, lua.LUA_MASKCOUNT, 10_000);
  }

  load(source: string): string {
    const sha = sha1(source);
    if (this.#compiled.has(sha)) return sha;
    const L = this.#L;
    if (lauxlib.luaL_loadbuffer(L, to_luastring(source), null, to_luastring("@user_script")) !== lua.LUA_OK) {
      const message = luaText(L, -1);
      lua.lua_pop(L, 1);
      throw new CommandError(`ERR Error compiling script (new function): ${message}`);
    }
    this.#compiled.set(sha, lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX));
    return sha;
  }

  has(sha: string): boolean {
    return this.#compiled.has(sha.toLowerCase());
  }

  flush(): void {
    this.#compiled.clear();
  }

  run(sha: string, argv: Argv): Reply {
    const ref = this.#compiled.get(sha.toLowerCase());
    if (ref === undefined) throw new CommandError("NOSCRIPT No matching script. Please use EVAL.");
    const numkeys = parseInteger(argv[2]);
    if (numkeys < 0) throw new CommandError("ERR Number of keys can't be negative");
    if (numkeys > argv.length - 3) throw new CommandError("ERR Number of keys can't be greater than number of args");
    const L = this.#L;
    setArray(L, "KEYS", argv.slice(3, 3 + numkeys));
    setArray(L, "ARGV", argv.slice(3 + numkeys));
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
    this.#deadline = Date.now() + SCRIPT_TIME_LIMIT_MS;
    const status = lua.lua_pcall(L, 0, 1, 0);
    try {
      if (status !== lua.LUA_OK) {
        const error = errorField(L, -1);
        throw new CommandError(error ?? `ERR user_script: ${luaText(L, -1)} script: ${sha}`);
      }
      return toReply(L, -1, true);
    } finally {
      lua.lua_settop(L, 0);
    }
  }

  /** redis.call / redis.pcall: runs one command on the keyspace; call raises its error, pcall returns {err=…}. */
  #call(L: LuaState, dispatch: Dispatch, raise: boolean): number {
    const argv: Argv = [];
    for (let i = 1; i <= lua.lua_gettop(L); i++) {
      const type = lua.lua_type(L, i);
      if (type !== lua.LUA_TSTRING && type !== lua.LUA_TNUMBER) {
        return fail(L, "ERR Lua redis lib command arguments must be strings or integers", raise);
      }
      // Redis (Lua 5.1, doubles only) writes numbers with "%.17g": 120000, never 5.3's "120000.0".
      argv.push(type === lua.LUA_TNUMBER ? (lua.lua_isinteger(L, i) ? String(lua.lua_tointeger(L, i)) : formatScore(lua.lua_tonumber(L, i))) : luaText(L, i));
    }
    if (argv.length === 0) return fail(L, "ERR Please specify at least one argument for this redis lib call", raise);
    const name = argv[0].toUpperCase();
    if (name === "EVAL" || name === "EVALSHA" || name === "SCRIPT") return fail(L, "ERR This Redis command is not allowed from script", raise);
    let reply: Reply;
    try {
      reply = dispatch(argv);
    } catch (error) {
      if (error instanceof CommandError) return fail(L, error.message, raise);
      throw error;
    }
    pushReply(L, reply, STATUS_REPLIES.has(name));
    return 1;
  }
}

function fail(L: LuaState, message: string, raise: boolean): number {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, to_luastring(message));
  lua.lua_setfield(L, -2, to_luastring("err"));
  if (raise) lua.lua_error(L);
  return 1;
}

/** redis.status_reply(text) / redis.error_reply(text): a one-field table. */
function replyTable(L: LuaState, field: "ok" | "err"): number {
  const text = luaText(L, 1);
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, to_luastring(text));
  lua.lua_setfield(L, -2, to_luastring(field));
  return 1;
}

function setArray(L: LuaState, name: string, values: string[]): void {
  lua.lua_createtable(L, values.length, 0);
  values.forEach((value, i) => {
    lua.lua_pushstring(L, to_luastring(value));
    lua.lua_rawseti(L, -2, i + 1);
  });
  lua.lua_setglobal(L, to_luastring(name));
}

function pushReply(L: LuaState, reply: Reply, status: boolean): void {
  if (reply === null) lua.lua_pushboolean(L, false);
  else if (typeof reply === "number") lua.lua_pushinteger(L, reply);
  else if (Array.isArray(reply)) {
    lua.lua_createtable(L, reply.length, 0);
    reply.forEach((item, i) => {
      pushReply(L, item, false);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    const text = typeof reply === "string" ? reply : reply.toString("utf8");
    if (!status) lua.lua_pushstring(L, to_luastring(text));
    else {
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, to_luastring(text));
      lua.lua_setfield(L, -2, to_luastring("ok"));
    }
  }
}

function toReply(L: LuaState, index: number, top: boolean): Reply {
  const at = index < 0 ? lua.lua_gettop(L) + index + 1 : index;
  switch (lua.lua_type(L, at)) {
    case lua.LUA_TNUMBER: return Math.trunc(lua.lua_tonumber(L, at));
    case lua.LUA_TSTRING: return luaText(L, at);
    case lua.LUA_TBOOLEAN: return lua.lua_toboolean(L, at) ? 1 : null;
    case lua.LUA_TTABLE: {
      const error = errorField(L, at);
      if (error !== null) {
        if (top) throw new CommandError(error);
        return error;
      }
      lua.lua_getfield(L, at, to_luastring("ok"));
      const ok = lua.lua_type(L, -1) === lua.LUA_TSTRING ? luaText(L, -1) : null;
      lua.lua_pop(L, 1);
      if (ok !== null) return ok;
      const items: Reply[] = [];
      // Like Redis: the array part up to the first nil.
      for (let i = 1; lua.lua_rawgeti(L, at, i) !== lua.LUA_TNIL; i++) {
        items.push(toReply(L, -1, false));
        lua.lua_pop(L, 1);
      }
      lua.lua_pop(L, 1);
      return items;
    }
    default: return null;
  }
}

function errorField(L: LuaState, index: number): string | null {
  if (lua.lua_type(L, index) !== lua.LUA_TTABLE) return null;
  lua.lua_getfield(L, index, to_luastring("err"));
  const error = lua.lua_type(L, -1) === lua.LUA_TSTRING ? luaText(L, -1) : null;
  lua.lua_pop(L, 1);
  return error;
}

function luaText(L: LuaState, index: number): string {
  const bytes = lua.lua_tostring(L, index);
  return bytes === null ? "" : to_jsstring(bytes);
}

function sha1(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** The scripting commands, bound to a store's own command dispatch. */
export function scriptCommands(dispatch: Dispatch): CommandTable {
  const scripts = new Scripts(dispatch);
  return {
    EVAL: { arity: -3, run: (_keyspace, argv) => scripts.run(scripts.load(argv[1]), argv) },
    EVALSHA: { arity: -3, run: (_keyspace, argv) => scripts.run(argv[1], argv) },
    // Read-only variants run the same way; nothing here enforces read-only.
    EVAL_RO: { arity: -3, run: (_keyspace, argv) => scripts.run(scripts.load(argv[1]), argv) },
    EVALSHA_RO: { arity: -3, run: (_keyspace, argv) => scripts.run(argv[1], argv) },
    SCRIPT: {
      arity: -2,
      run(_keyspace, argv) {
        const sub = argv[1].toUpperCase();
        if (sub === "LOAD" && argv.length === 3) return scripts.load(argv[2]);
        if (sub === "EXISTS" && argv.length >= 3) return argv.slice(2).map((sha) => (scripts.has(sha) ? 1 : 0));
        if (sub === "FLUSH" && argv.length <= 3) {
          scripts.flush();
          return "OK";
        }
        if (sub === "LOAD" || sub === "EXISTS" || sub === "FLUSH") throw wrongArity(["script|" + sub.toLowerCase()]);
        throw new CommandError(`ERR unknown subcommand '${argv[1]}'. Try SCRIPT HELP.`);
      },
    },
  };
}
