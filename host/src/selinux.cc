// SelinuxPolicy: libsepol's policydb (the binary policy the kernel would load) and libselinux's
// file_contexts lookup. The policydb is read once; its symbol tables are walked into sets.
#include "seclearn/host/selinux.h"

#include <fmt/format.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include <sepol/policydb.h>
#include <sepol/policydb/policydb.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "seclearn/core/selinux_class.h"

namespace seclearn {
namespace {

// The symbol table's names (the hashtab's keys).
template <typename F>
void ForEachSymbol(const symtab_t& tab, F&& f) {
  if (tab.table == nullptr) return;
  for (unsigned i = 0; i < tab.table->size; ++i)
    for (hashtab_node_t* n = tab.table->htable[i]; n != nullptr; n = n->next)
      f(static_cast<const char*>(n->key), n->datum);
}

struct GenfsEntry {
  std::string path;  // relative to the file system's root, "/" for all of it
  uint32_t sclass = 0;  // 0: any class
  std::string type;
};

struct PortEntry {
  int protocol = 0;
  int low = 0, high = 0;
  std::string type;
};

// A policy root's type: SELINUXTYPE= in /etc/selinux/config (default "default").
std::string ConfiguredRoot() {
  std::ifstream in("/etc/selinux/config");
  std::string line, type = "default";
  while (std::getline(in, line)) {
    if (line.starts_with("SELINUXTYPE=")) type = line.substr(12);
  }
  while (!type.empty() && (type.back() == ' ' || type.back() == '\r')) type.pop_back();
  return "/etc/selinux/" + type;
}

// DIR/policy/policy.NN with the highest NN.
std::optional<std::string> NewestPolicy(const std::string& dir) {
  std::error_code ec;
  std::optional<std::string> best;
  long best_v = -1;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/policy", ec)) {
    const std::string name = e.path().filename().string();
    if (!name.starts_with("policy.")) continue;
    char* end = nullptr;
    const long v = std::strtol(name.c_str() + 7, &end, 10);
    if (*end != '\0' || v <= best_v) continue;
    best_v = v;
    best = e.path().string();
  }
  return best;
}

// The file system a path is on, for genfscon: the pseudo file systems mounted at their usual
// places (the policy labels them by name, not by files).
struct PseudoFs {
  std::string_view mount;
  std::string_view fstype;
};
constexpr PseudoFs kPseudoFs[] = {
    {"/sys/fs/cgroup", "cgroup2"}, {"/sys/kernel/security", "securityfs"},
    {"/sys/kernel/debug", "debugfs"}, {"/sys/kernel/tracing", "tracefs"},
    {"/sys/fs/bpf", "bpf"},           {"/sys/fs/selinux", "selinuxfs"},
    {"/sys", "sysfs"},                {"/proc", "proc"},
    {"/dev/pts", "devpts"},           {"/dev/mqueue", "mqueue"},
};

std::optional<std::string> TypeOfContext(const char* con) {
  if (con == nullptr) return std::nullopt;
  // user:role:type[:level]
  std::string_view c(con);
  const size_t a = c.find(':');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = c.find(':', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  const size_t e = c.find(':', b + 1);
  return std::string(c.substr(b + 1, e == std::string_view::npos ? e : e - b - 1));
}

}  // namespace

struct SelinuxPolicy::Data {
  std::set<std::string, std::less<>> types;
  std::map<std::string, std::set<std::string, std::less<>>, std::less<>> perms;  // class ->
  std::map<std::string, uint32_t, std::less<>> class_values;
  std::vector<PortEntry> ports;
  std::map<std::string, std::vector<GenfsEntry>, std::less<>> genfs;  // fstype ->
  selabel_handle* labels = nullptr;
  ~Data() {
    if (labels != nullptr) selabel_close(labels);
  }
};

SelinuxPolicy::SelinuxPolicy(SelinuxPolicy&&) noexcept = default;
SelinuxPolicy& SelinuxPolicy::operator=(SelinuxPolicy&&) noexcept = default;
SelinuxPolicy::~SelinuxPolicy() = default;

Result<SelinuxPolicy> SelinuxPolicy::Open(const std::string& dir_in) {
  const std::string dir = dir_in.empty() ? ConfiguredRoot() : dir_in;
  auto file = NewestPolicy(dir);
  if (!file)
    return UsageError(fmt::format("no SELinux policy under {}/policy (install "
                                  "selinux-policy-default)", dir));
  FILE* fp = std::fopen(file->c_str(), "re");
  if (fp == nullptr) return ErrnoError(*file);
  sepol_policy_file_t* pf = nullptr;
  sepol_policydb_t* db = nullptr;
  int rc = -1;
  if (sepol_policy_file_create(&pf) == 0 && sepol_policydb_create(&db) == 0) {
    sepol_policy_file_set_fp(pf, fp);
    sepol_policy_file_set_handle(pf, nullptr);
    rc = sepol_policydb_read(db, pf);
  }
  std::fclose(fp);
  if (pf != nullptr) sepol_policy_file_free(pf);
  if (rc != 0) {
    if (db != nullptr) sepol_policydb_free(db);
    return ParseError(fmt::format("{}: not a binary SELinux policy libsepol can read", *file));
  }

  SelinuxPolicy out;
  out.policy_path_ = *file;
  out.d_ = std::make_unique<Data>();
  Data& d = *out.d_;
  const policydb_t& p = db->p;
  ForEachSymbol(p.p_types, [&](const char* name, void*) { d.types.insert(name); });
  ForEachSymbol(p.p_classes, [&](const char* name, void* datum) {
    const auto* cls = static_cast<const class_datum_t*>(datum);
    auto& set = d.perms[name];
    d.class_values[name] = cls->s.value;
    ForEachSymbol(cls->permissions, [&](const char* perm, void*) { set.insert(perm); });
    if (cls->comdatum != nullptr)
      ForEachSymbol(cls->comdatum->permissions, [&](const char* perm, void*) { set.insert(perm); });
  });
  auto type_name = [&](uint32_t v) -> std::string {
    if (v == 0 || v > p.p_types.nprim || p.p_type_val_to_name == nullptr) return "";
    const char* n = p.p_type_val_to_name[v - 1];
    return n == nullptr ? "" : n;
  };
  for (const ocontext_t* c = p.ocontexts[OCON_PORT]; c != nullptr; c = c->next)
    d.ports.push_back({c->u.port.protocol, c->u.port.low_port, c->u.port.high_port,
                       type_name(c->context[0].type)});
  for (const genfs_t* g = p.genfs; g != nullptr; g = g->next) {
    auto& list = d.genfs[g->fstype];
    for (const ocontext_t* c = g->head; c != nullptr; c = c->next)
      list.push_back({c->u.name, c->v.sclass, type_name(c->context[0].type)});
    // Longest prefix first, as the kernel matches them.
    std::stable_sort(list.begin(), list.end(), [](const GenfsEntry& a, const GenfsEntry& b) {
      return a.path.size() > b.path.size();
    });
  }
  sepol_policydb_free(db);

  const std::string fc = dir + "/contexts/files/file_contexts";
  selinux_opt opt[] = {{SELABEL_OPT_PATH, fc.c_str()}};
  d.labels = selabel_open(SELABEL_CTX_FILE, opt, 1);
  if (d.labels == nullptr) return ErrnoError(fmt::format("file contexts {}", fc));
  return out;
}

bool SelinuxEnabledHere() { return ::is_selinux_enabled() == 1; }

bool SelinuxPolicy::HasType(std::string_view name) const { return d_->types.contains(name); }

bool SelinuxPolicy::HasPermission(std::string_view cls, std::string_view perm) const {
  auto it = d_->perms.find(cls);
  return it != d_->perms.end() && it->second.contains(perm);
}

std::optional<std::string> SelinuxPolicy::PortType(int protocol, int port) const {
  const PortEntry* best = nullptr;
  for (const auto& e : d_->ports) {
    if (e.protocol != protocol || port < e.low || port > e.high || e.type.empty()) continue;
    if (best == nullptr || e.high - e.low < best->high - best->low) best = &e;
  }
  if (best == nullptr) return std::nullopt;
  return best->type;
}

bool SelinuxPolicy::IsProcessProc(std::string_view path) {
  if (!path.starts_with("/proc/")) return false;
  std::string_view first = path.substr(6);
  first = first.substr(0, first.find('/'));
  if (first == "self" || first == "thread-self") return true;
  return !first.empty() && std::all_of(first.begin(), first.end(),
                                       [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::string> SelinuxPolicy::FileType(const std::string& path,
                                                   uint32_t mode) const {
  if (IsProcessProc(path)) return std::nullopt;
  for (const auto& fs : kPseudoFs) {
    if (path != fs.mount && !(path.starts_with(fs.mount) && path[fs.mount.size()] == '/'))
      continue;
    auto it = d_->genfs.find(fs.fstype);
    if (it == d_->genfs.end()) break;  // labelled otherwise (fs_use_*): file_contexts
    const std::string rel =
        path.size() == fs.mount.size() ? std::string("/") : path.substr(fs.mount.size());
    auto cls = d_->class_values.find(SelinuxFileClass(mode));
    const uint32_t sclass = mode == 0 || cls == d_->class_values.end() ? 0 : cls->second;
    for (const auto& e : it->second) {
      if (e.sclass != 0 && sclass != 0 && e.sclass != sclass) continue;
      if (!rel.starts_with(e.path)) continue;
      return e.type;
    }
    return std::nullopt;
  }
  char* con = nullptr;
  // A file's own label counts only where SELinux is enforced: elsewhere the workload, as root,
  // could have set any security.selinux it liked.
  if (SelinuxEnabledHere() && ::lgetfilecon_raw(path.c_str(), &con) > 0) {
    auto t = TypeOfContext(con);
    freecon(con);
    if (t && HasType(*t) && *t != "unlabeled_t") return t;
  }
  if (selabel_lookup_raw(d_->labels, &con, path.c_str(), static_cast<int>(mode)) != 0)
    return std::nullopt;
  auto t = TypeOfContext(con);
  freecon(con);
  if (t && *t == "<<none>>") return std::nullopt;
  return t;
}

}  // namespace seclearn
