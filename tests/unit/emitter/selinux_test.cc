// BuildSelinuxModule with a policy of the test's own making: which permission lands on which
// (type, class), what a container's image and volumes are typed, and that nothing from a
// path or an app name reaches the module outside a comment.
#include "seclearn/emitter/selinux.h"
#include "seclearn/emitter/diff.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

namespace seclearn {
namespace {

struct FakePolicy {
  std::map<std::string, std::string> types = {
      {"/", "root_t"},         {"/usr", "usr_t"},       {"/usr/bin", "bin_t"},
      {"/usr/bin/ls", "bin_t"}, {"/etc", "etc_t"},      {"/etc/passwd", "etc_t"},
      {"/tmp", "tmp_t"},       {"/srv", "var_t"},       {"/srv/data", "var_t"},
      {"/srv/data/x", "var_t"}, {"/dev", "device_t"},   {"/dev/null", "null_device_t"}};
  std::set<std::string> missing_perms = {"watch"};
  SelinuxExportOptions Options() const {
    SelinuxExportOptions o;
    o.app = "web";
    o.mode = [](std::string_view p) -> std::optional<uint32_t> {
      if (p == "/usr/bin/ls" || p == "/etc/passwd") return S_IFREG | 0755;
      if (p == "/dev/null") return S_IFCHR | 0666;
      return std::nullopt;
    };
    o.file_type = [this](const std::string& p, uint32_t) -> std::optional<std::string> {
      auto it = types.find(p);
      if (it == types.end()) return std::nullopt;
      return it->second;
    };
    o.port_type = [](int proto, int port) -> std::optional<std::string> {
      if (proto == IPPROTO_TCP && port == 80) return "http_port_t";
      return std::nullopt;
    };
    o.has_type = [](std::string_view t) { return t != "gone_t"; };
    o.has_permission = [this](std::string_view, std::string_view p) {
      return !missing_perms.contains(std::string(p));
    };
    return o;
  }
};

FileAccessRecord File(std::string path, uint32_t access) {
  FileAccessRecord r;
  r.path = std::move(path);
  r.access = access;
  r.count = 1;
  r.syscall = "openat";
  return r;
}

bool Has(const SelinuxExport& e, std::string_view line) {
  return e.text.find(line) != std::string::npos;
}

TEST_CASE("selinux: an execve is execute on the program's type, search on its directories",
          "[unit]") {
  FakePolicy p;
  auto o = p.Options();
  o.entrypoint = "/usr/bin/ls";
  auto e = BuildSelinuxModule({File("/usr/bin/ls", kAccessExec)}, {}, {}, o);
  CHECK(e.block == "web");
  CHECK(Has(e, "(block web\n  (blockinherit seclearn_container)\n"));
  CHECK(Has(e, "(allow process bin_t (file (entrypoint execute execute_no_trans getattr map "
               "open read)))"));
  CHECK(Has(e, "(allow process usr_t (dir (getattr search)))"));
  CHECK(Has(e, "(allow process root_t (dir (getattr search)))"));
  CHECK(e.rules == 4);  // bin_t file, bin_t dir, usr_t dir, root_t dir
}

TEST_CASE("selinux: reads, writes and creates get their own permissions", "[unit]") {
  FakePolicy p;
  auto e = BuildSelinuxModule({File("/etc/passwd", kAccessRead), File("/dev/null", kAccessWrite),
                               File("/tmp/new", kAccessCreate | kAccessWrite)},
                              {}, {}, p.Options());
  CHECK(Has(e, "(allow process etc_t (file (getattr ioctl lock open read)))"));
  CHECK(Has(e, "(allow process null_device_t (chr_file (append getattr ioctl lock open setattr "
               "write)))"));
  // /tmp/new has no file context of its own: the directory's type, as the kernel gives it.
  CHECK(Has(e, "(allow process tmp_t (dir (add_name getattr search write)))"));
  CHECK(Has(e, "(allow process tmp_t (file (append create getattr ioctl lock open setattr "
               "write)))"));
  CHECK(e.notes.empty());
}

TEST_CASE("selinux: bind and connect name the ports' types, capabilities land on self",
          "[unit]") {
  FakePolicy p;
  NetworkFact bind;
  bind.op = NetOp::kBind;
  bind.family = AF_INET;
  bind.type = SOCK_STREAM;
  bind.address = "0.0.0.0";
  bind.port = 80;
  NetworkFact connect = bind;
  connect.op = NetOp::kConnect;
  connect.port = 5432;  // no portcon in this fake policy: the kernel's port_t
  NetworkFact failed = bind;
  failed.port = 443;
  failed.err = 13;
  CapabilityFact cap;
  cap.capability = 10;  // CAP_NET_BIND_SERVICE
  cap.syscall = "bind";
  CapabilityFact bpf;
  bpf.capability = 39;
  bpf.syscall = "bpf";
  CapabilityFact wanted;
  wanted.capability = 21;
  wanted.granted = false;
  auto e = BuildSelinuxModule({}, {bind, connect, failed}, {cap, bpf, wanted}, p.Options());
  CHECK(Has(e, "(allow process http_port_t (tcp_socket (name_bind)))"));
  CHECK(Has(e, "(allow process node_t (tcp_socket (node_bind)))"));
  CHECK(Has(e, "(allow process port_t (tcp_socket (name_connect)))"));
  CHECK(Has(e, "(allow process self (capability (net_bind_service)))"));
  CHECK(Has(e, "(allow process self (capability2 (bpf)))"));
  CHECK(!Has(e, "sys_admin"));
  CHECK(!Has(e, "443"));
}

TEST_CASE("selinux: a container's image is one type, volumes and /dev keep the host's",
          "[unit]") {
  FakePolicy p;
  auto o = p.Options();
  o.image_type = std::string(kSelinuxImageType);
  o.volumes = {{"/data", "/srv/data"}};
  // A fresh host: its policy does not hold the template yet, which is installed with the module.
  o.has_type = [](std::string_view t) { return t != kSelinuxImageType; };
  auto e = BuildSelinuxModule({File("/usr/bin/ls", kAccessExec), File("/data/x", kAccessRead),
                               File("/dev/null", kAccessWrite)},
                              {}, {}, o);
  CHECK(Has(e, "(allow process seclearn_container_file_t (file (execute execute_no_trans getattr "
               "map open read)))"));
  CHECK(Has(e, "(allow process var_t (file (getattr ioctl lock open read)))"));
  CHECK(Has(e, "(allow process var_t (dir (getattr search)))"));
  CHECK(Has(e, "null_device_t (chr_file"));
  CHECK(!Has(e, "bin_t"));
}

TEST_CASE("selinux: what the policy lacks is left out with a note", "[unit]") {
  FakePolicy p;
  p.types["/etc/passwd"] = "gone_t";
  auto e = BuildSelinuxModule({File("/etc/passwd", kAccessRead), File("/nowhere", kAccessRead)},
                              {}, {}, [&] {
                                auto o = p.Options();
                                o.file_type = [&p](const std::string& path, uint32_t)
                                    -> std::optional<std::string> {
                                  if (path == "/") return std::nullopt;
                                  auto it = p.types.find(path);
                                  if (it == p.types.end()) return std::nullopt;
                                  return it->second;
                                };
                                return o;
                              }());
  CHECK(!Has(e, "gone_t"));
  CHECK(e.notes.size() >= 2);
}

TEST_CASE("selinux: hostile names stay in comments, and app names become identifiers",
          "[unit]") {
  FakePolicy p;
  const std::string hostile = "/tmp/x\n(allow process shadow_t (file (read)))\r;)";
  auto o = p.Options();
  o.app = "Web App\n(block evil)";
  auto e = BuildSelinuxModule({File(hostile, kAccessRead | kAccessCreate)}, {}, {}, o);
  CHECK(e.block == "web_app__block_evil_");
  // Every line is a comment, a statement of ours, or the block's end: no line starts with the
  // injected text.
  size_t start = 0;
  while (start < e.text.size()) {
    const size_t nl = e.text.find('\n', start);
    const std::string line = e.text.substr(start, nl - start);
    start = nl == std::string::npos ? e.text.size() : nl + 1;
    const bool ok = line.starts_with(";") || line.starts_with("  ;") ||
                    line.starts_with("  (allow process ") || line.starts_with("(block ") ||
                    line.starts_with("  (blockinherit ") || line == ")";
    CHECK(ok);
    if (!line.starts_with(";") && !line.starts_with("  ;")) CHECK(line.find("shadow_t") ==
                                                                   std::string::npos);
  }
  CHECK(SelinuxBlockName("self") == "self_app");
  CHECK(SelinuxBlockName("9lives") == "app_9lives");
  CHECK(SelinuxBlockName("") == "app_");
  CHECK(SelinuxBlockName("seclearn_container") == "seclearn_container_app");
}

TEST_CASE("selinux: the template is embedded", "[unit]") {
  CHECK(SelinuxTemplate().find("(block seclearn_container") != std::string_view::npos);
}

}  // namespace
}  // namespace seclearn

namespace seclearn {
namespace {

TEST_CASE("selinux diff: permissions per rule, capabilities graded, comments ignored", "[unit]") {
  const std::string old_text =
      "; v1\n(block web\n  (blockinherit seclearn_container)\n"
      "  (allow process bin_t (file (execute read)))\n"
      "  (allow process tmp_t (dir (search)))\n)\n";
  const std::string new_text =
      "(block web ; moved\n  (blockinherit seclearn_container)\n"
      "  ; a comment (allow process shadow_t (file (read)))\n"
      "  (allow process tmp_t (dir (search write add_name)))\n"
      "  (allow process bin_t (file (read)))\n"
      "  (allow process self (capability (sys_admin)))\n)\n";
  CHECK(LooksLikeSelinuxModule(old_text));
  auto d = DiffSelinux(old_text, "old", new_text, "new");
  REQUIRE(d);
  REQUIRE(d->changes.size() == 3);
  // Sorted by category ("allow" before "capability"), then subject.
  CHECK(d->changes[0].subject == "web.process bin_t:file");
  CHECK(d->changes[0].kind == ChangeKind::kNarrowed);
  CHECK(d->changes[0].detail == "-execute");
  CHECK(d->changes[1].subject == "web.process tmp_t:dir");
  CHECK(d->changes[1].detail == "+add_name write");
  CHECK(d->changes[2].subject == "CAP_SYS_ADMIN");
  CHECK(d->changes[2].kind == ChangeKind::kAdded);
  CHECK(d->changes[2].high_risk);
  CHECK(DiffSelinux(new_text, "a", new_text, "b")->changes.empty());
  auto bad = DiffSelinux("(block web (allow process bin_t file read))", "bad.cil", new_text, "n");
  REQUIRE(!bad);
  CHECK(bad.error().Message().find("bad.cil:1:") != std::string::npos);
  CHECK(!DiffSelinux("(block web", "open.cil", new_text, "n"));
}

}  // namespace
}  // namespace seclearn
