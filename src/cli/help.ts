// Help texts, one per command, printed by `condense <command> --help`.
export const HELP: Record<string, string> = {
  main: `Usage: condense <command> [options]

Build and run neural-network compression pipelines saved as *.condense.json graphs.

Commands:
  run <graph>           run a graph headless
  validate <graph>      check a graph file and print every problem
  nodes                 list the node types with their ports and params
  runs                  list recorded runs; \`runs show <id>\` for one
  serve                 open the editor in a browser, served from this machine

Run \`condense <command> --help\` for the options of a command.
Environment: CONDENSE_HOME (default ~/.condense) holds the cache, runs and settings;
CONDENSE_EXTRA_NODES adds node pack folders (a path list).`,
  run: `Usage: condense run <graph> [options]

Runs a graph. Nodes whose inputs and params did not change come from the cache.

Options:
  --set node.param=value   override a param (repeatable); the value is parsed as JSON when it
                           parses (3, true, "a", [1,2]) and taken as a string otherwise
  --until <node>           run only what this node needs, up to it
  --no-cache               ignore cached outputs (fresh outputs are still cached)
  --out <dir>              write each node's outputs there (report images as files, metrics and
                           summaries as JSON) plus run.json
  --json                   print run events as NDJSON, one per line
  -h, --help               show this help

Exit status: 0 success, 1 a node failed, 2 invalid graph or arguments, 130 interrupted (Ctrl-C).`,
  validate: `Usage: condense validate <graph>

Checks a graph file: JSON, file format and version, node types, params, connections and cycles.
Prints every problem with the node and field it concerns.

Exit status: 0 valid, 2 invalid.`,
  nodes: `Usage: condense nodes [--json]

Lists the node types: ports, params with their defaults, ranges and help.

Options:
  --json       print the node descriptors as JSON
  -h, --help   show this help`,
  runs: `Usage: condense runs [--json]
       condense runs show <id> [--json]

Lists recorded runs (newest first), or shows one: its nodes, final metrics and outputs.

Options:
  --json       print as JSON
  -h, --help   show this help`,
  serve: `Usage: condense serve [--port N] [--host 127.0.0.1] [--allow DIR ...] [--open]

Serves the editor (built by \`npm run build:web\`) and its API on this machine. The API needs the
per-session token that is part of the printed URL, and answers only pages of this server (Origin and
Host are checked). The page may open, list and save files only in your home folder, the folder the
server was started in, the examples and $CONDENSE_HOME, plus folders given with --allow; never in
/etc, /proc, /sys, /dev or /boot.

Options:
  --port <n>     port to listen on (default 5217; 0 picks a free one)
  --host <addr>  address to bind (default 127.0.0.1; anything else exposes the editor on the network)
  --allow <dir>  also let the page use this folder (repeatable)
  --open         open the editor in the default browser
  -h, --help     show this help`,
};
