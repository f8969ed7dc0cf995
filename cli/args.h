// A small option parser shared by the subcommands: "--name VALUE", "--name=VALUE", "-o VALUE",
// boolean flags, and a command after "--" (or after the first non-option, for learn/run).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn::cli {

struct ArgSpec {
  std::set<std::string> with_value;  // "--db", "-o", ...
  std::set<std::string> flags;       // "--quiet", "--json", ...
  bool command_tail = false;         // collect "-- CMD ARGS..." (or first positional onward)
  int max_positionals = 0;           // plain positionals allowed when !command_tail
};

struct ParsedArgs {
  std::map<std::string, std::string> values;  // last one wins
  std::set<std::string> flags;
  std::vector<std::string> positionals;
  std::vector<std::string> command;
  bool help = false;

  std::optional<std::string> Get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  bool Has(const std::string& flag) const { return flags.count(flag) != 0; }
};

Result<ParsedArgs> ParseArgs(std::span<char*> args, const ArgSpec& spec);

// A subcommand's arguments: a bad option is printed ("seclearn: VERB: unknown option ...")
// and --help prints `help` on stdout. nullopt means stop with *exit_status (`error_status`
// after an error, 0 after --help):
//   int status;
//   auto parsed = ParseCommandArgs(args, spec, "show", kShowHelp, &status);
//   if (!parsed) return status;
std::optional<ParsedArgs> ParseCommandArgs(std::span<char*> args, const ArgSpec& spec,
                                           std::string_view verb, std::string_view help,
                                           int* exit_status, int error_status = 125);

}  // namespace seclearn::cli
