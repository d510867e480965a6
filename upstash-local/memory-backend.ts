// The in-process store behind the REST endpoint, for a laptop with no Redis.
// Commands run synchronously on one Keyspace, so a transaction or a script
// can never interleave with another request.
import { CommandError, execAbort } from "./errors.ts";
import { hashCommands } from "./memory/hashes.ts";
import { Keyspace } from "./memory/keyspace.ts";
import { keyCommands } from "./memory/keys.ts";
import { listCommands } from "./memory/lists.ts";
import { scriptCommands } from "./memory/scripting.ts";
import { sortedSetCommands } from "./memory/sorted-sets.ts";
import { stringCommands } from "./memory/strings.ts";
import { wrongArity, type CommandSpec } from "./memory/arguments.ts";
import type { Argv, Backend, Outcome, Reply } from "./protocol.ts";

const noFunctions: CommandSpec = {
  arity: -1,
  run(_keyspace, argv) {
    throw new CommandError(
      `ERR ${argv[0].toUpperCase()} is not supported by the in-memory store (EVAL and EVALSHA are); start upstash-local with --redis-url to use functions`,
    );
  },
};

const COMMANDS = new Map<string, CommandSpec>(Object.entries({
  ...stringCommands,
  ...hashCommands,
  ...sortedSetCommands,
  ...keyCommands,
  ...listCommands,
  FCALL: noFunctions,
  FCALL_RO: noFunctions,
  FUNCTION: noFunctions,
}));

export function createMemoryBackend(): Backend {
  const keyspace = new Keyspace();
  // Scripts call back into this store's commands; their Lua state is this store's own.
  const commands = new Map([...COMMANDS, ...Object.entries(scriptCommands((argv) => lookup(argv, COMMANDS).run(keyspace, argv)))]);
  const run = (argv: Argv): Reply => lookup(argv, commands).run(keyspace, argv);
  const outcome = (argv: Argv): Outcome => {
    try {
      return { result: run(argv) };
    } catch (error) {
      if (error instanceof CommandError) return { error: error.message };
      throw error;
    }
  };
  return {
    kind: "memory",
    async command(argv) {
      return run(argv);
    },
    async pipeline(batch) {
      return batch.map(outcome);
    },
    async transaction(batch) {
      // Redis refuses the whole transaction when a command is unknown or has
      // the wrong number of arguments; other errors only fail that command.
      for (const argv of batch) {
        try {
          lookup(argv, commands);
        } catch (error) {
          throw execAbort((error as Error).message);
        }
      }
      return batch.map(outcome);
    },
    async close() {
      keyspace.close();
    },
  };
}

function lookup(argv: Argv, commands: Map<string, CommandSpec>): CommandSpec {
  const spec = commands.get(argv[0].toUpperCase());
  if (spec === undefined) throw unknownCommand(argv);
  if (spec.arity > 0 ? argv.length !== spec.arity : argv.length < -spec.arity) throw wrongArity(argv);
  return spec;
}

/** Redis 7's text: the name as sent, then the arguments quoted, up to about 128 characters. */
function unknownCommand(argv: Argv): CommandError {
  let args = "";
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].slice(0, 128 - args.length)}' `;
  }
  const text = `ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`;
  // Redis puts error replies on one line.
  return new CommandError(text.replace(/[\r\n]/g, " "));
}
