// The part of fengari (a Lua 5.3 VM in plain JavaScript) that the in-memory
// store's scripting uses; the package ships no types of its own.
declare module "fengari" {
  export type LuaState = { readonly __lua_state: unique symbol };
  type L = LuaState;
  export const lua: {
    LUA_OK: number; LUA_TNIL: number; LUA_TBOOLEAN: number; LUA_TNUMBER: number; LUA_TSTRING: number; LUA_TTABLE: number;
    LUA_MASKCOUNT: number; LUA_REGISTRYINDEX: number;
    lua_gettop(L: L): number;
    lua_settop(L: L, index: number): void;
    lua_pop(L: L, n: number): void;
    lua_type(L: L, index: number): number;
    lua_isinteger(L: L, index: number): boolean;
    lua_tointeger(L: L, index: number): number;
    lua_tonumber(L: L, index: number): number;
    lua_toboolean(L: L, index: number): boolean;
    lua_tostring(L: L, index: number): Uint8Array | null;
    lua_pushnil(L: L): void;
    lua_pushinteger(L: L, n: number): void;
    lua_pushboolean(L: L, b: boolean): void;
    lua_pushstring(L: L, s: Uint8Array): void;
    lua_pushvalue(L: L, index: number): void;
    lua_pushjsfunction(L: L, f: (L: L) => number): void;
    lua_createtable(L: L, narr: number, nrec: number): void;
    lua_rawseti(L: L, index: number, n: number): void;
    lua_rawgeti(L: L, index: number, n: number): number;
    lua_setfield(L: L, index: number, k: Uint8Array): void;
    lua_getfield(L: L, index: number, k: Uint8Array): number;
    lua_getglobal(L: L, name: Uint8Array): number;
    lua_setglobal(L: L, name: Uint8Array): void;
    lua_pcall(L: L, nargs: number, nresults: number, msgh: number): number;
    lua_error(L: L): never;
    lua_sethook(L: L, hook: ((L: L) => void) | null, mask: number, count: number): void;
    lua_rawlen(L: L, index: number): number;
  };
  export const lauxlib: {
    luaL_newstate(): L;
    luaL_loadbuffer(L: L, buffer: Uint8Array, size: number | null, name: Uint8Array): number;
    luaL_ref(L: L, t: number): number;
  };
  export const lualib: { luaL_openlibs(L: L): void };
  export function to_luastring(s: string): Uint8Array;
  export function to_jsstring(s: Uint8Array): string;
}
