// The HTML report (report.h): one page, no script, every untrusted string through HtmlText.
#include "seclearn/emitter/report.h"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "runtime_data.h"
#include "seclearn/core/arch.h"
#include "seclearn/core/escape.h"
#include "seclearn/core/json.h"

namespace seclearn {
namespace {

constexpr std::string_view kStyle = R"(
:root{--fg:#1d2330;--mute:#5b6475;--line:#d9dde5;--bg:#f6f7f9;--acc:#2457c5;--risk:#b3261e;
--ok:#1e7d32;--dock:#9aa9c7;--prof:#2457c5}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);margin:0;
background:#fff}
header{background:var(--bg);border-bottom:1px solid var(--line);padding:16px 28px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 10px}
main{padding:8px 28px 40px;max-width:1200px}
section{margin:22px 0;padding-top:6px;border-top:1px solid var(--line)}
nav a{margin-right:14px;color:var(--acc);text-decoration:none}
.sum{color:var(--mute);margin:2px 0}
.n{color:var(--mute);font-weight:normal}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
code.cmd{white-space:pre-wrap}
.risk{color:var(--risk);font-weight:600}
.tag{display:inline-block;padding:0 6px;border-radius:8px;font-size:11px;background:var(--bg);
border:1px solid var(--line)}
.tag.hi{background:#fde7e5;border-color:#f2b8b3;color:var(--risk)}
.tag.add{background:#e6f4ea;border-color:#b7dfc1;color:var(--ok)}
.tag.rem{background:#eef1f6}
.fail{color:var(--mute)}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:18px}
ul.tree{padding-left:0}
ul.tree li{margin:1px 0}
.m{font-weight:600;color:var(--acc);margin-left:6px}
.aa,.ll{color:var(--mute);margin-left:8px;font-size:11px}
.aa code,.ll code{font-size:11px}
.more{color:var(--mute);font-style:italic}
details>summary{cursor:pointer}
details.stack{display:inline-block;margin-left:8px;font-size:12px;color:var(--mute)}
details.stack[open]{display:block;color:var(--fg);background:var(--bg);padding:2px 8px}
.dirstack{margin-left:18px}
tr.hirow td:first-child code{color:var(--risk);font-weight:600}
details.stack ol{margin:2px 0 6px;padding-left:26px}
ol.timeline{list-style:none;padding:0;border-left:3px solid var(--line);margin-left:8px}
ol.timeline>li{margin:0 0 14px;padding-left:14px;position:relative}
ol.timeline>li:before{content:"";position:absolute;left:-8px;top:5px;width:11px;height:11px;
border-radius:50%;background:var(--acc)}
svg text{font:12px system-ui,sans-serif;fill:var(--fg)}
.legend span{display:inline-block;width:12px;height:10px;margin:0 4px 0 12px}
@media print{header{background:none}nav{display:none}details.stack{display:none}
details>summary{list-style:none}
details::details-content{content-visibility:visible;display:block}section{break-inside:auto}}
)";

std::string H(std::string_view s) { return HtmlText(s); }

std::string Time(int64_t ns) {
  if (ns <= 0) return "-";
  const time_t secs = static_cast<time_t>(ns / 1000000000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return std::string(buf) + " UTC";
}

std::string Duration(int64_t ns) {
  const double s = static_cast<double>(ns) / 1e9;
  if (s < 1) return fmt::format("{:.0f} ms", s * 1000);
  if (s < 120) return fmt::format("{:.1f} s", s);
  return fmt::format("{:.0f} min", s / 60);
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// One <details> per syscall or path: "stack" until opened, then for each run the stack was
// first recorded in, the executable, the run and the frames, innermost first.
void Stacks(std::string& out, const std::vector<ReportStack>& stacks, const ReportLimits& lim) {
  if (stacks.empty()) return;
  out += fmt::format("<details class=\"stack\"><summary>stack{}</summary>",
                     stacks.size() > 1 ? fmt::format(" ({} runs)", stacks.size()) : "");
  size_t shown = 0;
  for (const ReportStack& st : stacks) {
    if (shown++ == lim.stacks) {
      out += fmt::format("<div class=\"more\">{} more</div>", stacks.size() - lim.stacks);
      break;
    }
    out += fmt::format("<div class=\"sum\"><code>{}</code>, run {}</div><ol>", H(st.executable),
                       st.run_id);
    size_t frames = 0;
    for (const std::string& f : st.frames) {
      if (frames++ == lim.frames) break;
      out += "<li><code>" + H(f) + "</code></li>";
    }
    if (st.truncated || st.frames.size() > lim.frames) out += "<li class=\"more\">...</li>";
    out += "</ol>";
  }
  out += "</details>";
}

// argv as a shell reads it back: plain words as they are, others in single quotes (inside
// which a backslash is itself), a newline as a line break (shown by white-space: pre-wrap).
std::string Command(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                         "-_./=:,+@%") == std::string::npos;
    if (plain) {
      out += H(a);
      continue;
    }
    std::string word = "'";
    for (char c : a) word += c == '\'' ? std::string("'\\''") : std::string(1, c);
    word += "'";
    size_t start = 0;
    for (size_t nl; (nl = word.find('\n', start)) != std::string::npos; start = nl + 1)
      out += HtmlTextAsWritten(std::string_view(word).substr(start, nl - start)) + "\n";
    out += HtmlTextAsWritten(std::string_view(word).substr(start));
  }
  return out;
}

// A table's head: a column named "#NAME" is numeric (right-aligned).
void TableStart(std::string& out, std::initializer_list<std::string_view> columns) {
  out += "<table><thead><tr>";
  for (std::string_view c : columns)
    out += c.starts_with('#') ? fmt::format("<th class=\"num\">{}</th>", c.substr(1))
                              : fmt::format("<th>{}</th>", c);
  out += "</tr></thead><tbody>";
}

// Row `row` of `total`: past ReportLimits::rows, writes the one row that counts the rest and
// returns false (stop).
bool WithinRows(std::string& out, size_t row, size_t total, size_t columns,
                const ReportLimits& lim) {
  if (row < lim.rows) return true;
  out += fmt::format("<tr><td colspan=\"{}\" class=\"more\">{} more</td></tr>", columns,
                     total - lim.rows);
  return false;
}

// ---- runs -----------------------------------------------------------------------------------

void Runs(std::string& out, const ReportData& d, const ReportLimits& lim) {
  out += fmt::format(
      "<section id=\"runs\" data-count=\"{}\"><h2>Runs <span class=\"n\">({})"
      "</span></h2>",
      d.runs.size(), d.runs.size());
  if (d.runs.empty()) out += "<p>No runs.</p>";
  TableStart(out, {"#run", "source", "started", "duration", "command", "#exit", "backend",
                   "#processes", "#syscalls"});
  size_t rows = 0;
  for (const ReportRun& r : d.runs) {
    if (!WithinRows(out, rows++, d.runs.size(), 9, lim)) break;
    std::string source = H(r.source);
    if (!r.on_violation.empty()) source += " (on violation: " + H(r.on_violation) + ")";
    // A long command (a script given with -c) is folded to its first line.
    const std::string cmd = Command(r.argv);
    const size_t br = cmd.find('\n');
    std::string command = br == std::string::npos
                              ? "<code class=\"cmd\">" + cmd + "</code>"
                              : "<details><summary><code class=\"cmd\">" + cmd.substr(0, br) +
                                    " ...</code></summary><code class=\"cmd\">" + cmd +
                                    "</code></details>";
    if (!r.container.empty())
      command += "<div class=\"sum\">container <code>" + H(r.container) + "</code></div>";
    out += fmt::format(
        "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "</tr>",
        r.id, source, Time(r.start_ns), r.end_ns ? Duration(*r.end_ns - r.start_ns) : "unfinished",
        command, r.exit_status ? std::to_string(*r.exit_status) : "-", H(r.backend), r.processes,
        r.syscalls);
  }
  out += "</tbody></table></section>";
}

// ---- profile size ---------------------------------------------------------------------------

void SizeChart(std::string& out, const ReportData& d) {
  out += fmt::format(
      "<section id=\"size\" data-profile=\"{}\" data-docker=\"{}\"><h2>Profile "
      "size against Docker's default</h2>",
      d.profile_names, d.docker_names);
  out += fmt::format(
      "<p class=\"sum\">{}: <b>{}</b> syscall names allowed; Docker's default "
      "allows {} ({}).</p>",
      H(d.profile_source), d.profile_names, d.docker_names, H(d.docker_source));
  std::vector<const ReportGroup*> groups;
  for (const ReportGroup& g : d.groups)
    if (!g.composite && g.total > 0) groups.push_back(&g);
  constexpr int kLabel = 130, kBar = 560, kRow = 19, kTop = 30;
  size_t most = 1;
  for (const ReportGroup* g : groups) most = std::max(most, g->total);
  const int height = kTop + kRow * static_cast<int>(groups.size() + 1) + 8;
  out += fmt::format(
      "<div class=\"legend\"><span style=\"background:#e3e6ec\"></span>names in "
      "the group<span style=\"background:var(--dock)\"></span>allowed by Docker's "
      "default<span style=\"background:var(--prof)\"></span>allowed by this "
      "profile; figures: this profile / Docker's default / names in the group"
      "</div>");
  out += fmt::format(
      "<svg role=\"img\" aria-label=\"syscall names allowed per systemd group\" "
      "width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">",
      kLabel + kBar + 110, height, kLabel + kBar + 110, height);
  auto bar = [&](int y, std::string_view label, size_t total, size_t docker, size_t profile,
                 size_t scale) {
    auto w = [&](size_t n) { return static_cast<int>(n * kBar / std::max<size_t>(scale, 1)); };
    out += fmt::format("<text x=\"0\" y=\"{}\">{}</text>", y + 11, H(label));
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"15\" fill=\"#e3e6ec\"/>",
                       kLabel, y, w(total));
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"9\" fill=\"#9aa9c7\"/>",
                       kLabel, y, w(docker));
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" fill=\"#2457c5\"/>",
                       kLabel, y + 9, w(profile));
    out += fmt::format("<text x=\"{}\" y=\"{}\">{} / {} / {}</text>", kLabel + w(total) + 6, y + 11,
                       profile, docker, total);
  };
  out += fmt::format(
      "<text x=\"0\" y=\"16\" style=\"font-weight:600\">all names: {} allowed, "
      "Docker's default {}</text>",
      d.profile_names, d.docker_names);
  bar(kTop - 6, "all (vs Docker)", d.docker_names, d.docker_names, d.profile_names, d.docker_names);
  int y = kTop + kRow - 2;
  for (const ReportGroup* g : groups) {
    bar(y, g->name, g->total, g->docker, g->profile, most);
    y += kRow;
  }
  out += "</svg>";
  out +=
      "<details><summary>the same figures as a table</summary><table><thead><tr><th>group"
      "</th><th class=\"num\">this profile</th><th class=\"num\">Docker's default</th>"
      "<th class=\"num\">names in group</th></tr></thead><tbody>";
  for (const ReportGroup& g : d.groups)
    out += fmt::format(
        "<tr data-group=\"{}\"><td>{}{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
        H(g.name), H(g.name), g.composite ? " (composite)" : "", g.profile, g.docker, g.total);
  out +=
      fmt::format("</tbody></table><p class=\"sum\">groups: {}</p></details>", H(d.groups_source));
  if (!d.profile_only.empty()) {
    out += "<p>Allowed here but not by Docker's default:";
    for (const std::string& n : d.profile_only) out += " <code>" + H(n) + "</code>";
    out += "</p>";
  }
  out += "</section>";
}

// ---- syscalls -------------------------------------------------------------------------------

void Syscalls(std::string& out, const ReportData& d, const ReportLimits& lim) {
  size_t risky = 0;
  for (const ReportSyscall& s : d.syscalls) risky += s.risk.empty() ? 0 : 1;
  out += fmt::format(
      "<section id=\"syscalls\" data-count=\"{}\" data-high-risk=\"{}\"><h2>"
      "Syscalls <span class=\"n\">({}, {} high risk)</span></h2>",
      d.syscalls.size(), risky, d.syscalls.size(), risky);
  TableStart(out, {"syscall", "arch", "#count", "#first run", "risk", "call stack"});
  // High risk first, then by name.
  std::vector<const ReportSyscall*> order;
  for (const ReportSyscall& s : d.syscalls) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const ReportSyscall* a, const ReportSyscall* b) {
    return std::pair(a->risk.empty(), std::string_view(a->name)) <
           std::pair(b->risk.empty(), std::string_view(b->name));
  });
  size_t rows = 0;
  for (const ReportSyscall* sp : order) {
    const ReportSyscall& s = *sp;
    if (!WithinRows(out, rows++, d.syscalls.size(), 6, lim)) break;
    out += fmt::format(
        "<tr{}><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td>",
        s.risk.empty() ? "" : " class=\"hirow\"", H(s.name), H(s.arch),
        s.count == 0 ? std::string("0 (assumed)") : std::to_string(s.count),
        s.first_run > 0 ? std::to_string(s.first_run) : "-");
    if (!s.risk.empty()) out += "<span class=\"tag hi\">high risk</span> " + H(s.risk);
    out += "</td><td>";
    Stacks(out, s.stacks, lim);
    out += "</td></tr>";
  }
  out += "</tbody></table></section>";
}

// ---- files ----------------------------------------------------------------------------------

struct Node {
  std::map<std::string, std::unique_ptr<Node>> children;  // by name (bytes)
  const ReportFile* file = nullptr;
  size_t paths = 0;  // recorded paths at and beneath it
};

void Insert(Node& root, const ReportFile& f) {
  Node* n = &root;
  ++n->paths;
  std::string_view p = f.path;
  size_t i = 0;
  while (i < p.size()) {
    while (i < p.size() && p[i] == '/') ++i;
    if (i >= p.size()) break;
    const size_t j = std::min(p.find('/', i), p.size());
    auto& child = n->children[std::string(p.substr(i, j - i))];
    if (!child) child = std::make_unique<Node>();
    n = child.get();
    ++n->paths;
    i = j;
  }
  if (n->file == nullptr) n->file = &f;
}

void FileInfo(std::string& out, const ReportFile& f, const ReportLimits& lim,
              bool with_stacks = true) {
  if (!f.result.empty()) {
    out += fmt::format("<span class=\"m fail\">{} {}</span>", H(f.modes), H(f.result));
  } else {
    out += "<span class=\"m\">" + H(f.modes.empty() ? "-" : f.modes) + "</span>";
  }
  if (!f.apparmor.empty())
    out += "<span class=\"aa\">AppArmor <code>" + HtmlTextAsWritten(f.apparmor) + "</code></span>";
  if (!f.landlock.empty())
    out += "<span class=\"ll\">Landlock <code>" + H(f.landlock) + "</code></span>";
  if (with_stacks) Stacks(out, f.stacks, lim);
}

struct TreeBudget {
  size_t nodes_left = 0;
};

void Tree(std::string& out, const Node& dir, const ReportLimits& lim, TreeBudget& budget) {
  out += "<ul>";
  size_t listed = 0, left_entries = 0, left_paths = 0;
  for (const auto& [name, child] : dir.children) {
    if (listed == lim.dir_entries || budget.nodes_left == 0) {
      ++left_entries;
      left_paths += child->paths;
      continue;
    }
    ++listed;
    --budget.nodes_left;
    // A chain of directories that hold nothing but one directory is shown as one node.
    std::string label = name;
    const Node* n = child.get();
    while (n->file == nullptr && n->children.size() == 1 &&
           !n->children.begin()->second->children.empty()) {
      label += "/" + n->children.begin()->first;
      n = n->children.begin()->second.get();
    }
    if (n->children.empty()) {
      out += "<li><code>" + H(label) + "</code>";
      if (n->file) FileInfo(out, *n->file, lim);
      out += "</li>";
      continue;
    }
    out += fmt::format("<li><details><summary><code>{}/</code> <span class=\"n\">{}</span>",
                       H(label), Plural(n->paths, "path", "paths"));
    if (n->file) FileInfo(out, *n->file, lim, /*with_stacks=*/false);
    out += "</summary>";
    if (n->file && !n->file->stacks.empty()) {
      out += "<div class=\"dirstack\">";
      Stacks(out, n->file->stacks, lim);
      out += "</div>";
    }
    Tree(out, *n, lim, budget);
    out += "</details></li>";
  }
  if (left_entries > 0)
    out += fmt::format("<li class=\"more\">{} not listed ({} beneath)</li>",
                       Plural(left_entries, "more entry", "more entries"),
                       Plural(left_paths, "path", "paths"));
  out += "</ul>";
}

void Files(std::string& out, const ReportData& d, const ReportLimits& lim) {
  out += fmt::format(
      "<section id=\"files\" data-count=\"{}\" data-failed=\"{}\"><h2>Files "
      "<span class=\"n\">({}, {} failed)</span></h2>",
      d.files.size(), d.failed.size(), Plural(d.files.size(), "path", "paths"), d.failed.size());
  out +=
      "<p class=\"sum\">Modes as the AppArmor export grants them (r read, w write, a append, "
      "m mmap PROT_EXEC, ix execute, l link, k lock), with the AppArmor rule and the "
      "Landlock rule that grant each path.</p>";
  Node root;
  for (const ReportFile& f : d.files) Insert(root, f);
  TreeBudget budget{lim.file_nodes};
  out += "<ul class=\"tree\"><li><details open><summary><code>/</code> <span class=\"n\">" +
         Plural(root.paths, "path", "paths") + "</span>";
  if (root.file) FileInfo(out, *root.file, lim, /*with_stacks=*/false);
  out += "</summary>";
  Tree(out, root, lim, budget);
  out += "</details></li></ul>";
  if (!d.failed.empty()) {
    out += fmt::format(
        "<details id=\"failed\"><summary>{} that failed (no rule: the kernel "
        "refused them without the profile)</summary>",
        Plural(d.failed.size(), "access", "accesses"));
    TableStart(out, {"path", "access", "result", "#count", "syscall"});
    size_t rows = 0;
    for (const ReportFile& f : d.failed) {
      if (!WithinRows(out, rows++, d.failed.size(), 5, lim)) break;
      out += fmt::format(
          "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td>"
          "<td class=\"num\">{}</td><td>{}</td></tr>",
          H(f.path), H(f.modes), H(f.result), f.count, H(f.syscall));
    }
    out += "</tbody></table></details>";
  }
  out += "</section>";
}

// ---- network, capabilities ------------------------------------------------------------------

void Network(std::string& out, const ReportData& d, const ReportLimits& lim) {
  out += fmt::format(
      "<section id=\"network\" data-count=\"{}\"><h2>Network <span class=\"n\">"
      "({})</span></h2>",
      d.network.size(), Plural(d.network.size(), "endpoint", "endpoints"));
  if (d.network.empty()) {
    out += "<p>No network use.</p></section>";
    return;
  }
  TableStart(out,
             {"operation", "family", "type", "protocol", "address", "#port", "result", "#count"});
  size_t rows = 0;
  for (const ReportEndpoint& n : d.network) {
    if (!WithinRows(out, rows++, d.network.size(), 8, lim)) break;
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>"
        "<td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
        H(n.op), H(n.family), H(n.type), H(n.protocol), H(n.address),
        n.port >= 0 ? std::to_string(n.port) : "-", H(n.result), n.count);
  }
  out += "</tbody></table></section>";
}

void Capabilities(std::string& out, const ReportData& d, const ReportLimits& lim) {
  out += fmt::format(
      "<section id=\"capabilities\" data-count=\"{}\"><h2>Capabilities <span "
      "class=\"n\">({})</span></h2>",
      d.capabilities.size(), d.capabilities.size());
  if (d.capabilities.empty()) {
    out += "<p>No capability was exercised or wanted.</p></section>";
    return;
  }
  out +=
      "<p class=\"sum\">exercised: a call succeeded only thanks to it; wanted: a call failed "
      "with EPERM or EACCES for the lack of it.</p>";
  TableStart(out, {"capability", "", "first call", "evidence", "#count", "risk", "call stack"});
  size_t rows = 0;
  for (const ReportCapability& c : d.capabilities) {
    if (!WithinRows(out, rows++, d.capabilities.size(), 7, lim)) break;
    out += fmt::format(
        "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td>"
        "<td><code>{}</code></td><td class=\"num\">{}</td><td>",
        H(c.name), c.granted ? "exercised" : "wanted", H(c.syscall), H(c.evidence), c.count);
    if (!c.risk.empty()) out += "<span class=\"tag hi\">high risk</span> " + H(c.risk);
    out += "</td><td>";
    Stacks(out, c.stacks, lim);
    out += "</td></tr>";
  }
  out += "</tbody></table></section>";
}

// ---- versions -------------------------------------------------------------------------------

void Versions(std::string& out, const ReportData& d, const ReportLimits& lim) {
  size_t high = 0;
  for (const ReportVersion& v : d.versions)
    for (const ReportChange& c : v.changes) high += c.high_risk ? 1 : 0;
  out += fmt::format(
      "<section id=\"versions\" data-count=\"{}\" data-high-risk=\"{}\"><h2>"
      "Profile versions <span class=\"n\">({}, {} high-risk changes)</span></h2>",
      d.versions.size(), high, d.versions.size(), high);
  if (d.versions.empty()) {
    out +=
        "<p>No profile was exported yet (<code>seclearn export</code> stores each one as a "
        "version).</p></section>";
    return;
  }
  out += "<ol class=\"timeline\">";
  for (const ReportVersion& v : d.versions) {
    size_t added = 0, removed = 0, risky = 0;
    for (const ReportChange& c : v.changes) {
      const bool widens = c.kind == "added" || c.kind == "widened";
      (widens ? added : removed) += 1;
      risky += c.high_risk ? 1 : 0;
    }
    std::string runs;
    for (int64_t r : v.runs) runs += (runs.empty() ? "" : ", ") + std::to_string(r);
    out += fmt::format(
        "<li data-format=\"{}\" data-version=\"{}\"><b>{} v{}</b> "
        "<span class=\"n\">{}</span>",
        H(v.format), v.version, H(v.format), v.version, Time(v.created_ns));
    if (!v.options.empty()) out += " <code>" + H(v.options) + "</code>";
    out += fmt::format("<div class=\"sum\">from runs {}; sha256 <code>{}</code></div>",
                       runs.empty() ? "-" : runs, H(v.sha256.substr(0, 16)));
    if (v.previous == 0) {
      out += "<div>" + H(v.note.empty() ? "the first version" : v.note) + "</div></li>";
      continue;
    }
    if (!v.note.empty()) {
      out += fmt::format("<div>against v{}: {}</div></li>", v.previous, H(v.note));
      continue;
    }
    if (v.changes.empty()) {
      out += fmt::format("<div>against v{}: no change</div></li>", v.previous);
      continue;
    }
    out += fmt::format(
        "<details{}><summary>against v{}: <span class=\"tag add\">{} widened"
        "</span> <span class=\"tag rem\">{} narrowed</span>{}</summary><ul>",
        risky > 0 ? " open" : "", v.previous, added, removed,
        risky > 0 ? fmt::format(" <span class=\"tag hi\">{} high risk</span>", risky) : "");
    size_t listed = 0;
    for (const ReportChange& c : v.changes) {
      if (listed++ == lim.changes) {
        out +=
            fmt::format("<li class=\"more\">{} more changes</li>", v.changes.size() - lim.changes);
        break;
      }
      out += fmt::format("<li><span class=\"tag{}\">{}</span> {} <code>{}</code>",
                         c.kind == "added" || c.kind == "widened" ? " add" : " rem", H(c.kind),
                         H(c.category), H(c.subject));
      if (!c.detail.empty()) out += " " + H(c.detail);
      if (c.high_risk) out += " <span class=\"tag hi\">high risk</span> " + H(c.reason);
      if (!c.provenance.empty()) out += "<div class=\"sum\">" + H(c.provenance) + "</div>";
      out += "</li>";
    }
    out += "</ul></details></li>";
  }
  out += "</ol></section>";
}

}  // namespace

std::string RenderReport(const ReportData& d, const ReportLimits& lim) {
  std::string out;
  out.reserve(64 * 1024 + d.files.size() * 64);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>seclearn report: " + H(d.app) + "</title><style>";
  out += kStyle;
  out += "</style></head><body><header>";
  out += "<h1>seclearn report: <span id=\"app\">" + H(d.app) + "</span></h1>";
  size_t high = 0;
  for (const ReportSyscall& s : d.syscalls) high += s.risk.empty() ? 0 : 1;
  for (const ReportCapability& c : d.capabilities) high += c.risk.empty() ? 0 : 1;
  out += fmt::format(
      "<p class=\"sum\">{}; {} seen ({} high-risk syscalls and capabilities); "
      "{} names allowed against Docker's default {}; {}, {}, {}, {}.</p>",
      Plural(d.runs.size(), "run", "runs"), Plural(d.syscalls.size(), "syscall", "syscalls"), high,
      d.profile_names, d.docker_names, Plural(d.files.size(), "path", "paths"),
      Plural(d.network.size(), "network endpoint", "network endpoints"),
      Plural(d.capabilities.size(), "capability", "capabilities"),
      Plural(d.versions.size(), "profile version", "profile versions"));
  out +=
      "<nav><a href=\"#runs\">Runs</a><a href=\"#size\">Size</a><a href=\"#syscalls\">"
      "Syscalls</a><a href=\"#files\">Files</a><a href=\"#network\">Network</a>"
      "<a href=\"#capabilities\">Capabilities</a><a href=\"#versions\">Versions</a></nav>";
  out += "</header><main>";
  if (!d.notes.empty()) {
    out += "<ul id=\"notes\">";
    for (const std::string& n : d.notes) out += "<li>" + H(n) + "</li>";
    out += "</ul>";
  }
  Runs(out, d, lim);
  SizeChart(out, d);
  Syscalls(out, d, lim);
  Files(out, d, lim);
  Network(out, d, lim);
  Capabilities(out, d, lim);
  Versions(out, d, lim);
  out += "</main><footer class=\"sum\" style=\"padding:0 28px 20px\">seclearn " +
         H(d.seclearn_version) + ", database <code>" + H(d.database) + "</code></footer>";
  out += "</body></html>\n";
  return out;
}

const ReportReference& EmbeddedReportReference() {
  static const ReportReference ref = [] {
    ReportReference r;
    auto strings = [](const Json* array, std::vector<std::string>& out) {
      if (array == nullptr || !array->is_array()) return;
      for (const Json& n : array->AsArray())
        if (n.is_string()) out.push_back(n.AsString());
    };
    if (const EmbeddedFile* f = FindEmbeddedData("report/docker-default.json")) {
      if (auto doc = ParseJson(f->content, f->name); doc && doc->is_object()) {
        if (const Json* s = doc->Find("source"); s && s->is_string())
          r.docker_source = s->AsString();
        strings(doc->Find("names"), r.docker_names);
      }
    }
    if (const EmbeddedFile* f = FindEmbeddedData("report/systemd-groups.json")) {
      if (auto doc = ParseJson(f->content, f->name); doc && doc->is_object()) {
        if (const Json* s = doc->Find("source"); s && s->is_string())
          r.groups_source = s->AsString();
        if (const Json* groups = doc->Find("groups"); groups && groups->is_array()) {
          for (const Json& g : groups->AsArray()) {
            if (!g.is_object()) continue;
            SyscallGroup group;
            if (const Json* n = g.Find("name"); n && n->is_string()) group.name = n->AsString();
            if (const Json* c = g.Find("composite"); c && c->is_bool())
              group.composite = c->AsBool();
            strings(g.Find("names"), group.names);
            r.groups.push_back(std::move(group));
          }
        }
      }
    }
    return r;
  }();
  return ref;
}

void CountProfileSize(const std::vector<std::string>& profile,
                      const std::vector<std::string>& docker, const ReportReference& reference,
                      uint32_t audit_arch, ReportData& data) {
  auto here = [&](const std::vector<std::string>& names) {
    std::set<std::string> out;
    for (const std::string& n : names)
      if (SyscallNumber(audit_arch, n)) out.insert(n);
    return out;
  };
  const std::set<std::string> p = here(profile), dk = here(docker);
  data.profile_names = p.size();
  data.docker_names = dk.size();
  data.profile_only.clear();
  std::set_difference(p.begin(), p.end(), dk.begin(), dk.end(),
                      std::back_inserter(data.profile_only));
  data.groups.clear();
  for (const SyscallGroup& g : reference.groups) {
    ReportGroup out{g.name, g.composite, 0, 0, 0};
    for (const std::string& n : here(g.names)) {
      ++out.total;
      out.docker += dk.count(n);
      out.profile += p.count(n);
    }
    data.groups.push_back(std::move(out));
  }
}

}  // namespace seclearn
