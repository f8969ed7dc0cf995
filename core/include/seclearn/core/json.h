// A small JSON value, parser and writer: enough for OCI seccomp profiles, config.json and
// seclearn's own --json output. The parser reports "source:line:col: message" and keeps the
// position of every value so that callers can name the key at fault. The writer is
// deterministic: objects keep insertion order, same value -> same bytes.
//
//   auto doc = ParseJson(text, "profile.json");
//   if (!doc) return doc.error();                 // "profile.json:3:7: expected ','"
//   const Json* names = doc->Find("names");
//   std::string out = WriteJson(Json::Object().Set("a", Json::Int(1)));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seclearn/core/result.h"

namespace seclearn {

struct JsonPos {
  int line = 0;  // 1-based; 0 for values not built by the parser
  int col = 0;
};

class JsonParser;

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;  // null
  static Json Null() { return Json(); }
  static Json Bool(bool b);
  static Json Int(int64_t v);
  static Json Uint(uint64_t v);
  static Json Double(double v);  // NaN and infinities have no JSON form: they give null
  static Json String(std::string s);
  static Json Array();
  static Json Object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }
  static std::string_view TypeName(Type t);  // "null", "boolean", "number", ...

  bool AsBool() const { return bool_; }
  const std::string& AsString() const { return string_; }
  // Exact integer views of a number; nullopt if it is not an integer in range.
  std::optional<uint64_t> AsUint64() const;
  std::optional<int64_t> AsInt64() const;
  double AsDouble() const;
  const std::vector<Json>& AsArray() const { return array_; }
  std::vector<Json>& AsArray() { return array_; }
  const std::vector<Member>& AsObject() const { return object_; }
  std::vector<Member>& AsObject() { return object_; }

  // Object lookup (first member with that key), nullptr if absent or not an object.
  const Json* Find(std::string_view key) const;
  Json* Find(std::string_view key);
  // Object: replaces the member with that key or appends it. Returns *this for chaining.
  Json& Set(std::string key, Json value);
  // Object: removes the member with that key, if present.
  void Erase(std::string_view key);
  // Array: appends. Returns *this for chaining.
  Json& Push(Json value);

  JsonPos pos() const { return pos_; }
  void set_pos(JsonPos p) { pos_ = p; }

 private:
  friend class JsonParser;
  // `text` must already be a valid JSON number.
  static Json RawNumber(std::string text);

  Type type_ = Type::kNull;
  bool bool_ = false;
  // Numbers keep their source text so that 64-bit integers survive exactly.
  std::string string_;  // string value, or the number's text
  std::vector<Json> array_;
  std::vector<Member> object_;
  JsonPos pos_;
};

// Parses one JSON document (RFC 8259; trailing garbage is an error). Errors are kParse with
// context "source:line:col: message".
Result<Json> ParseJson(std::string_view text, std::string_view source);

// Writes `value`; indent 0 gives one line, otherwise pretty-printed with that many spaces and
// a final newline. Strings are escaped per RFC 8259 (control characters as \u00XX; invalid
// UTF-8 bytes as \u00XX of the byte so output is always valid JSON).
std::string WriteJson(const Json& value, int indent = 2);

// Whether `s` is valid UTF-8 (RFC 3629): what a JSON string can hold byte for byte. The writer
// escapes other bytes as \u00XX, which a reader takes for other characters.
bool IsValidUtf8(std::string_view s);

}  // namespace seclearn
