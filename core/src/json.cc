#include "seclearn/core/json.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include <fmt/format.h>

namespace seclearn {
namespace {

// Deep enough for any real document, shallow enough that recursion cannot exhaust the stack
// on hostile input such as 100000 '['.
constexpr int kMaxDepth = 512;

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid, RFC 3629).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A JSON number taken apart as sign * digits * 10^exponent, digits without leading or
// trailing zeros (empty for zero), so integer checks are exact whatever the spelling.
struct DecimalParts {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
};

std::optional<DecimalParts> SplitNumber(std::string_view text) {
  DecimalParts p;
  size_t i = 0;
  if (i < text.size() && text[i] == '-') {
    p.negative = true;
    ++i;
  }
  std::string digits;
  int64_t exponent = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') digits += text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      digits += text[i++];
      --exponent;
    }
  }
  if (digits.empty()) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    int64_t e = 0;
    bool any = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      // Clamp: anything this large is out of every integer range anyway.
      if (e < 1'000'000'000) e = e * 10 + (text[i] - '0');
      ++i;
      any = true;
    }
    if (!any) return std::nullopt;
    exponent += exp_negative ? -e : e;
  }
  if (i != text.size()) return std::nullopt;
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return p;  // zero
  digits.erase(0, first);
  const size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - last - 1);
  digits.erase(last + 1);
  p.digits = std::move(digits);
  p.exponent = exponent;
  return p;
}

// |value| of the parts if it is an integer that fits in uint64_t.
std::optional<uint64_t> Magnitude(const DecimalParts& p) {
  if (p.digits.empty()) return 0;
  if (p.exponent < 0 || p.exponent > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : p.digits) {
    if (__builtin_mul_overflow(v, 10u, &v)) return std::nullopt;
    if (__builtin_add_overflow(v, static_cast<uint64_t>(c - '0'), &v)) return std::nullopt;
  }
  for (int64_t k = 0; k < p.exponent; ++k) {
    if (__builtin_mul_overflow(v, 10u, &v)) return std::nullopt;
  }
  return v;
}

}  // namespace

class JsonParser {
 public:
  JsonParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<Json> ParseDocument() {
    // RFC 8259 section 8.1: parsers may ignore a byte order mark.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;
    SkipWhitespace();
    Json value;
    if (!ParseValue(value, 0)) return std::move(*error_);
    SkipWhitespace();
    if (i_ < text_.size()) return Fail("unexpected data after the JSON value");
    return value;
  }

 private:
  bool AtEnd() const { return i_ >= text_.size(); }
  char Peek() const { return text_[i_]; }

  void Advance() {
    const unsigned char c = static_cast<unsigned char>(text_[i_++]);
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else if ((c & 0xC0) != 0x80) {  // columns count characters, not UTF-8 continuation bytes
      ++col_;
    }
  }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      Advance();
    }
  }

  JsonPos Here() const { return JsonPos{line_, col_}; }

  Error Fail(std::string_view message) { return FailAt(Here(), message); }
  Error FailAt(JsonPos pos, std::string_view message) {
    error_ = ParseError(fmt::format("{}:{}:{}: {}", source_, pos.line, pos.col, message));
    return *error_;
  }

  std::string Describe() const {
    if (AtEnd()) return "end of input";
    const unsigned char c = static_cast<unsigned char>(Peek());
    if (c >= 0x21 && c < 0x7F) return fmt::format("'{}'", static_cast<char>(c));
    return fmt::format("byte 0x{:02x}", c);
  }

  bool ParseValue(Json& out, int depth) {
    if (depth >= kMaxDepth) {
      Fail(fmt::format("nesting deeper than {} levels", kMaxDepth));
      return false;
    }
    const JsonPos pos = Here();
    if (AtEnd()) {
      Fail("unexpected end of input, expected a value");
      return false;
    }
    bool ok = false;
    switch (Peek()) {
      case '{':
        ok = ParseObject(out, depth);
        break;
      case '[':
        ok = ParseArray(out, depth);
        break;
      case '"': {
        std::string s;
        ok = ParseString(s);
        if (ok) out = Json::String(std::move(s));
        break;
      }
      case 't':
        ok = ParseLiteral("true", Json::Bool(true), out);
        break;
      case 'f':
        ok = ParseLiteral("false", Json::Bool(false), out);
        break;
      case 'n':
        ok = ParseLiteral("null", Json::Null(), out);
        break;
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) {
          ok = ParseNumber(out);
        } else {
          Fail(fmt::format("unexpected {}, expected a value", Describe()));
        }
    }
    if (ok) out.set_pos(pos);
    return ok;
  }

  bool ParseLiteral(std::string_view word, Json value, Json& out) {
    if (text_.substr(i_, word.size()) != word) {
      Fail(fmt::format("invalid literal, expected '{}'", word));
      return false;
    }
    for (size_t k = 0; k < word.size(); ++k) Advance();
    out = std::move(value);
    return true;
  }

  bool ParseNumber(Json& out) {
    const size_t start = i_;
    const auto digit = [&] { return !AtEnd() && Peek() >= '0' && Peek() <= '9'; };
    if (Peek() == '-') Advance();
    if (!digit()) {
      Fail("expected a digit after '-'");
      return false;
    }
    if (Peek() == '0') {
      Advance();
      if (digit()) {
        Fail("leading zeros are not allowed in numbers");
        return false;
      }
    } else {
      while (digit()) Advance();
    }
    if (!AtEnd() && Peek() == '.') {
      Advance();
      if (!digit()) {
        Fail("expected a digit after the decimal point");
        return false;
      }
      while (digit()) Advance();
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      Advance();
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) Advance();
      if (!digit()) {
        Fail("expected a digit in the exponent");
        return false;
      }
      while (digit()) Advance();
    }
    out = Json::RawNumber(std::string(text_.substr(start, i_ - start)));
    return true;
  }

  bool ParseHex4(uint32_t& out) {
    out = 0;
    for (int k = 0; k < 4; ++k) {
      if (AtEnd()) {
        Fail("unexpected end of input in \\u escape");
        return false;
      }
      const char c = Peek();
      uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        Fail("\\u must be followed by four hex digits");
        return false;
      }
      out = out * 16 + d;
      Advance();
    }
    return true;
  }

  bool ParseString(std::string& out) {
    const JsonPos open = Here();
    Advance();  // opening quote
    for (;;) {
      if (AtEnd()) {
        FailAt(open, "unterminated string");
        return false;
      }
      const unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        Advance();
        return true;
      }
      if (c < 0x20) {
        Fail(fmt::format("control character 0x{:02x} in string must be escaped", c));
        return false;
      }
      if (c == '\\') {
        if (!ParseEscape(out)) return false;
        continue;
      }
      const size_t len = Utf8SequenceLength(text_, i_);
      if (len == 0) {
        Fail(fmt::format("invalid UTF-8 byte 0x{:02x} in string", c));
        return false;
      }
      out.append(text_.substr(i_, len));
      for (size_t k = 0; k < len; ++k) Advance();
    }
  }

  bool ParseEscape(std::string& out) {
    const JsonPos escape = Here();
    Advance();  // backslash
    if (AtEnd()) {
      Fail("unexpected end of input in escape");
      return false;
    }
    const char c = Peek();
    Advance();
    switch (c) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        FailAt(escape, fmt::format("invalid escape '\\{}'", c));
        return false;
    }
    uint32_t cp = 0;
    if (!ParseHex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      FailAt(escape, "lone low surrogate in \\u escape");
      return false;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(i_, 2) != "\\u") {
        FailAt(escape, "high surrogate in \\u escape not followed by a low surrogate");
        return false;
      }
      Advance();
      Advance();
      uint32_t low = 0;
      if (!ParseHex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        FailAt(escape, "high surrogate in \\u escape not followed by a low surrogate");
        return false;
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return true;
  }

  bool ParseArray(Json& out, int depth) {
    Advance();  // '['
    out = Json::Array();
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      Advance();
      return true;
    }
    for (;;) {
      SkipWhitespace();
      Json element;
      if (!ParseValue(element, depth + 1)) return false;
      out.AsArray().push_back(std::move(element));
      SkipWhitespace();
      if (!AtEnd() && Peek() == ',') {
        Advance();
        continue;
      }
      if (!AtEnd() && Peek() == ']') {
        Advance();
        return true;
      }
      Fail("expected ',' or ']' after array element");
      return false;
    }
  }

  bool ParseObject(Json& out, int depth) {
    Advance();  // '{'
    out = Json::Object();
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      Advance();
      return true;
    }
    for (;;) {
      SkipWhitespace();
      if (AtEnd() || Peek() != '"') {
        Fail(fmt::format("unexpected {}, expected a string key", Describe()));
        return false;
      }
      std::string key;
      if (!ParseString(key)) return false;
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') {
        Fail("expected ':' after object key");
        return false;
      }
      Advance();
      SkipWhitespace();
      Json value;
      if (!ParseValue(value, depth + 1)) return false;
      // Duplicate keys are kept (RFC 8259 leaves them to the application); Find() sees the
      // first.
      out.AsObject().emplace_back(std::move(key), std::move(value));
      SkipWhitespace();
      if (!AtEnd() && Peek() == ',') {
        Advance();
        continue;
      }
      if (!AtEnd() && Peek() == '}') {
        Advance();
        return true;
      }
      Fail("expected ',' or '}' after object member");
      return false;
    }
  }

  std::string_view text_;
  std::string_view source_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
  std::optional<Error> error_;
};

namespace {

void WriteString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto escape_byte = [&](unsigned char c) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          escape_byte(c);
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (const size_t len = Utf8SequenceLength(s, i); len > 0) {
          out.append(s.substr(i, len));
          i += len;
          continue;
        } else {
          // Not UTF-8 (e.g. a path from the kernel): keep the byte visible and the output
          // valid JSON.
          escape_byte(c);
        }
    }
    ++i;
  }
  out += '"';
}

void Newline(std::string& out, int indent, int level) {
  out += '\n';
  out.append(static_cast<size_t>(indent) * level, ' ');
}

void WriteValue(std::string& out, const Json& v, int indent, int level) {
  switch (v.type()) {
    case Json::Type::kNull:
      out += "null";
      return;
    case Json::Type::kBool:
      out += v.AsBool() ? "true" : "false";
      return;
    case Json::Type::kNumber:
      out += v.AsString();
      return;
    case Json::Type::kString:
      WriteString(out, v.AsString());
      return;
    case Json::Type::kArray: {
      const auto& a = v.AsArray();
      if (a.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t k = 0; k < a.size(); ++k) {
        if (k > 0) out += ',';
        if (indent > 0) Newline(out, indent, level + 1);
        WriteValue(out, a[k], indent, level + 1);
      }
      if (indent > 0) Newline(out, indent, level);
      out += ']';
      return;
    }
    case Json::Type::kObject: {
      const auto& o = v.AsObject();
      if (o.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (size_t k = 0; k < o.size(); ++k) {
        if (k > 0) out += ',';
        if (indent > 0) Newline(out, indent, level + 1);
        WriteString(out, o[k].first);
        out += indent > 0 ? ": " : ":";
        WriteValue(out, o[k].second, indent, level + 1);
      }
      if (indent > 0) Newline(out, indent, level);
      out += '}';
      return;
    }
  }
}

}  // namespace

Json Json::Bool(bool b) {
  Json j;
  j.type_ = Type::kBool;
  j.bool_ = b;
  return j;
}

Json Json::Int(int64_t v) { return RawNumber(std::to_string(v)); }

Json Json::Uint(uint64_t v) { return RawNumber(std::to_string(v)); }

Json Json::Double(double v) {
  if (!std::isfinite(v)) return Json();
  char buf[64];
  // Shortest text that reads back as the same double.
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return RawNumber(std::string(buf, r.ptr));
}

Json Json::RawNumber(std::string text) {
  Json j;
  j.type_ = Type::kNumber;
  j.string_ = std::move(text);
  return j;
}

Json Json::String(std::string s) {
  Json j;
  j.type_ = Type::kString;
  j.string_ = std::move(s);
  return j;
}

Json Json::Array() {
  Json j;
  j.type_ = Type::kArray;
  return j;
}

Json Json::Object() {
  Json j;
  j.type_ = Type::kObject;
  return j;
}

std::string_view Json::TypeName(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "unknown";
}

std::optional<uint64_t> Json::AsUint64() const {
  if (type_ != Type::kNumber) return std::nullopt;
  const auto parts = SplitNumber(string_);
  if (!parts) return std::nullopt;
  const auto mag = Magnitude(*parts);
  if (!mag) return std::nullopt;
  if (parts->negative && *mag != 0) return std::nullopt;
  return mag;
}

std::optional<int64_t> Json::AsInt64() const {
  if (type_ != Type::kNumber) return std::nullopt;
  const auto parts = SplitNumber(string_);
  if (!parts) return std::nullopt;
  const auto mag = Magnitude(*parts);
  if (!mag) return std::nullopt;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (!parts->negative) {
    if (*mag > kMax) return std::nullopt;
    return static_cast<int64_t>(*mag);
  }
  if (*mag > kMax + 1) return std::nullopt;
  if (*mag == kMax + 1) return std::numeric_limits<int64_t>::min();
  return -static_cast<int64_t>(*mag);
}

double Json::AsDouble() const {
  if (type_ != Type::kNumber) return 0.0;
  double v = 0.0;
  const char* begin = string_.data();
  const char* end = begin + string_.size();
  const auto r = std::from_chars(begin, end, v);
  if (r.ec == std::errc::result_out_of_range) {
    // from_chars leaves v untouched on overflow/underflow; give the IEEE answer instead.
    const auto parts = SplitNumber(string_);
    const bool negative = parts && parts->negative;
    const bool tiny = parts && parts->exponent < 0;
    const double mag = tiny ? 0.0 : std::numeric_limits<double>::infinity();
    return negative ? -mag : mag;
  }
  return v;
}

const Json* Json::Find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& [k, v] : object_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Json* Json::Find(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->Find(key));
}

Json& Json::Set(std::string key, Json value) {
  if (type_ != Type::kObject) {
    const JsonPos p = pos_;
    *this = Object();
    pos_ = p;
  }
  if (Json* existing = Find(key)) {
    *existing = std::move(value);
  } else {
    object_.emplace_back(std::move(key), std::move(value));
  }
  return *this;
}

void Json::Erase(std::string_view key) {
  if (type_ != Type::kObject) return;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (it->first == key) {
      object_.erase(it);
      return;
    }
  }
}

Json& Json::Push(Json value) {
  if (type_ != Type::kArray) {
    const JsonPos p = pos_;
    *this = Array();
    pos_ = p;
  }
  array_.push_back(std::move(value));
  return *this;
}

Result<Json> ParseJson(std::string_view text, std::string_view source) {
  return JsonParser(text, source).ParseDocument();
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string WriteJson(const Json& value, int indent) {
  if (indent < 0) indent = 0;
  std::string out;
  WriteValue(out, value, indent, 0);
  if (indent > 0) out += '\n';
  return out;
}

}  // namespace seclearn
