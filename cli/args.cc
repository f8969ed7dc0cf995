#include "args.h"

#include <cstdio>

#include "commands.h"

#include <fmt/format.h>

namespace seclearn::cli {

Result<ParsedArgs> ParseArgs(std::span<char*> args, const ArgSpec& spec) {
  ParsedArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--") {
      if (!spec.command_tail) return UsageError("unexpected '--'");
      for (size_t j = i + 1; j < args.size(); ++j) out.command.emplace_back(args[j]);
      break;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::string name = a;
      std::optional<std::string> value;
      if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
      }
      if (spec.flags.count(name)) {
        if (value) return UsageError(fmt::format("option {} takes no value", name));
        out.flags.insert(name);
        continue;
      }
      if (spec.with_value.count(name)) {
        if (!value) {
          if (i + 1 >= args.size()) return UsageError(fmt::format("option {} needs a value", name));
          value = args[++i];
        }
        out.values[name] = *value;
        continue;
      }
      return UsageError(fmt::format("unknown option '{}' (see --help)", name));
    }
    if (spec.command_tail) {
      for (size_t j = i; j < args.size(); ++j) out.command.emplace_back(args[j]);
      break;
    }
    if (static_cast<int>(out.positionals.size()) >= spec.max_positionals)
      return UsageError(fmt::format("unexpected argument '{}' (see --help)", a));
    out.positionals.push_back(a);
  }
  return out;
}

std::optional<ParsedArgs> ParseCommandArgs(std::span<char*> args, const ArgSpec& spec,
                                           std::string_view verb, std::string_view help,
                                           int* exit_status, int error_status) {
  auto parsed = ParseArgs(args, spec);
  if (!parsed) {
    PrintError(fmt::format("{}: {}", verb, parsed.error().Message()));
    *exit_status = error_status;
    return std::nullopt;
  }
  if (parsed->help) {
    std::fwrite(help.data(), 1, help.size(), stdout);
    *exit_status = 0;
    return std::nullopt;
  }
  return std::move(*parsed);
}

}  // namespace seclearn::cli
