// Result<T>: a value or an Error, with the surface of std::expected (has_value(), value(),
// error(), operator*, operator->) so that moving to std::expected is a rename.
//
//   Result<Fd> OpenPidfd(pid_t pid) {
//     const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
//     if (fd < 0) return ErrnoError(fmt::format("pidfd_open({})", pid));
//     return Fd(fd);
//   }
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace seclearn {

enum class ErrorDomain {
  kErrno,    // code is an errno value
  kSqlite,   // code is a SQLITE_* result code
  kSeccomp,  // code is a (positive) errno value returned negated by libseccomp
  kParse,    // malformed input; context says where ("file:line:col: ...")
  kUsage,    // the caller asked for something impossible (unknown app, bad flag value)
  kExec,     // the workload could not be started; code is errno of execve
};

struct Error {
  ErrorDomain domain = ErrorDomain::kErrno;
  int code = 0;
  std::string context;

  // One line, no trailing newline: "context: strerror(code)" for errno-like domains.
  std::string Message() const;
};

// Builds an Error from the current errno. Call it on the line after the failing call.
Error ErrnoError(std::string context);
Error ErrnoError(int err, std::string context);
Error ParseError(std::string context);
Error UsageError(std::string context);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace seclearn
