#include <cstdint>
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "seclearn/core/json.h"

namespace seclearn {
namespace {

std::string ErrorOf(std::string_view text) {
  auto r = ParseJson(text, "t.json");
  if (r) return "(parsed)";
  CHECK(r.error().domain == ErrorDomain::kParse);
  return r.error().context;
}

std::string RoundTrip(std::string_view text, int indent = 0) {
  auto r = ParseJson(text, "t.json");
  REQUIRE(r);
  return WriteJson(*r, indent);
}

}  // namespace

TEST_CASE("json parses every value type", "[unit][core]") {
  auto doc =
      ParseJson(R"( {"a": [1, -2.5e3, true, false, null], "b": {"c": "d"}, "e": ""} )", "t.json");
  REQUIRE(doc);
  REQUIRE(doc->is_object());
  const Json* a = doc->Find("a");
  REQUIRE(a);
  REQUIRE(a->AsArray().size() == 5);
  CHECK(a->AsArray()[0].AsInt64() == 1);
  CHECK(a->AsArray()[1].AsDouble() == -2500.0);
  CHECK(a->AsArray()[1].AsInt64() == -2500);  // integral even when spelled with an exponent
  CHECK(a->AsArray()[2].AsBool());
  CHECK(a->AsArray()[3].is_bool());
  CHECK(a->AsArray()[4].is_null());
  CHECK(doc->Find("b")->Find("c")->AsString() == "d");
  CHECK(doc->Find("e")->AsString().empty());
  CHECK(doc->Find("zzz") == nullptr);
  CHECK(a->Find("x") == nullptr);  // not an object
  CHECK(Json::TypeName(Json::Type::kBool) == "boolean");
}

TEST_CASE("json keeps positions of values", "[unit][core]") {
  auto doc = ParseJson("{\n  \"k\": [\n    7]\n}", "t.json");
  REQUIRE(doc);
  CHECK(doc->pos().line == 1);
  CHECK(doc->pos().col == 1);
  const Json* k = doc->Find("k");
  CHECK(k->pos().line == 2);
  CHECK(k->pos().col == 8);
  CHECK(k->AsArray()[0].pos().line == 3);
  CHECK(k->AsArray()[0].pos().col == 5);
  // Columns count characters, not UTF-8 bytes.
  auto u = ParseJson("[\"\xc3\xa9\xe2\x82\xac\", 1]", "t.json");
  REQUIRE(u);
  CHECK(u->AsArray()[1].pos().col == 8);
}

TEST_CASE("json 64-bit integers are exact", "[unit][core]") {
  auto doc = ParseJson(
      "[18446744073709551615, 18446744073709551616, -9223372036854775808, "
      "9223372036854775807, 9223372036854775808, -9223372036854775809, -0, "
      "1.5, 1e2, 10.0e-1, 2.5e1, -1, 0.0]",
      "t.json");
  REQUIRE(doc);
  const auto& v = doc->AsArray();
  CHECK(v[0].AsUint64() == std::numeric_limits<uint64_t>::max());
  CHECK_FALSE(v[0].AsInt64());
  CHECK_FALSE(v[1].AsUint64());
  CHECK(v[2].AsInt64() == std::numeric_limits<int64_t>::min());
  CHECK_FALSE(v[2].AsUint64());
  CHECK(v[3].AsInt64() == std::numeric_limits<int64_t>::max());
  CHECK(v[4].AsUint64() == 9223372036854775808ull);
  CHECK_FALSE(v[4].AsInt64());
  CHECK_FALSE(v[5].AsInt64());
  CHECK(v[6].AsUint64() == 0u);
  CHECK(v[6].AsInt64() == 0);
  CHECK_FALSE(v[7].AsUint64());
  CHECK(v[7].AsDouble() == 1.5);
  CHECK(v[8].AsUint64() == 100u);
  CHECK(v[9].AsUint64() == 1u);
  CHECK(v[10].AsInt64() == 25);
  CHECK_FALSE(v[11].AsUint64());
  CHECK(v[11].AsInt64() == -1);
  CHECK(v[12].AsUint64() == 0u);
  // The source text is what gets written back.
  CHECK(WriteJson(v[0], 0) == "18446744073709551615");
  CHECK(WriteJson(Json::Uint(std::numeric_limits<uint64_t>::max()), 0) == "18446744073709551615");
  CHECK(WriteJson(Json::Int(std::numeric_limits<int64_t>::min()), 0) == "-9223372036854775808");
  CHECK(Json::Uint(42).AsUint64() == 42u);
  CHECK_FALSE(Json::String("1").AsUint64());
  auto huge = ParseJson("[1e999999999999, -1e400, 1e-400]", "t.json");
  REQUIRE(huge);
  CHECK_FALSE(huge->AsArray()[0].AsUint64());
  CHECK(huge->AsArray()[1].AsDouble() == -std::numeric_limits<double>::infinity());
  CHECK(huge->AsArray()[2].AsDouble() == 0.0);
}

TEST_CASE("json string escapes decode, including surrogate pairs", "[unit][core]") {
  auto doc = ParseJson(R"(["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20AC", "\ud83d\ude00", "\u0000"])",
                       "t.json");
  REQUIRE(doc);
  const auto& v = doc->AsArray();
  CHECK(v[0].AsString() == "\"\\/\b\f\n\r\t");
  CHECK(v[1].AsString() == "A\xc3\xa9\xe2\x82\xac");
  CHECK(v[2].AsString() == "\xf0\x9f\x98\x80");
  CHECK(v[3].AsString() == std::string(1, '\0'));
  // Raw UTF-8 passes through.
  CHECK(ParseJson("\"\xf0\x9f\x98\x80\"", "t.json")->AsString() == "\xf0\x9f\x98\x80");
  // A byte order mark is allowed.
  CHECK(ParseJson("\xef\xbb\xbf[]", "t.json").has_value());
}

TEST_CASE("json errors name source:line:col", "[unit][core]") {
  CHECK(ErrorOf("{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}") ==
        "t.json:4:3: expected ',' or '}' after object member");
  CHECK(ErrorOf("[1 2]") == "t.json:1:4: expected ',' or ']' after array element");
  CHECK(ErrorOf("{\"a\" 1}") == "t.json:1:6: expected ':' after object key");
  CHECK(ErrorOf("{a: 1}") == "t.json:1:2: unexpected 'a', expected a string key");
  CHECK(ErrorOf("{\"a\": 1,}") == "t.json:1:9: unexpected '}', expected a string key");
  CHECK(ErrorOf("[1,]") == "t.json:1:4: unexpected ']', expected a value");
  CHECK(ErrorOf("") == "t.json:1:1: unexpected end of input, expected a value");
  CHECK(ErrorOf("   \n  ") == "t.json:2:3: unexpected end of input, expected a value");
  CHECK(ErrorOf("[1] x") == "t.json:1:5: unexpected data after the JSON value");
  CHECK(ErrorOf("{} {}") == "t.json:1:4: unexpected data after the JSON value");
  CHECK(ErrorOf("[\"abc") == "t.json:1:2: unterminated string");
  CHECK(ErrorOf("[\"a\nb\"]") == "t.json:1:4: control character 0x0a in string must be escaped");
  CHECK(ErrorOf(R"(["\x"])") == "t.json:1:3: invalid escape '\\x'");
  CHECK(ErrorOf(R"(["\u12G4"])") == "t.json:1:7: \\u must be followed by four hex digits");
  CHECK(ErrorOf(R"(["\ud800"])") ==
        "t.json:1:3: high surrogate in \\u escape not followed by a low surrogate");
  CHECK(ErrorOf(R"(["\ud800\u0041"])") ==
        "t.json:1:3: high surrogate in \\u escape not followed by a low surrogate");
  CHECK(ErrorOf(R"(["\udc00"])") == "t.json:1:3: lone low surrogate in \\u escape");
  CHECK(ErrorOf("[\"\xff\"]") == "t.json:1:3: invalid UTF-8 byte 0xff in string");
  CHECK(ErrorOf("[\"\xc0\xaf\"]") == "t.json:1:3: invalid UTF-8 byte 0xc0 in string");
  CHECK(ErrorOf("[\"\xed\xa0\x80\"]") == "t.json:1:3: invalid UTF-8 byte 0xed in string");
  CHECK(ErrorOf("[01]") == "t.json:1:3: leading zeros are not allowed in numbers");
  CHECK(ErrorOf("[-]") == "t.json:1:3: expected a digit after '-'");
  CHECK(ErrorOf("[1.]") == "t.json:1:4: expected a digit after the decimal point");
  CHECK(ErrorOf("[1e+]") == "t.json:1:5: expected a digit in the exponent");
  CHECK(ErrorOf("[.5]") == "t.json:1:2: unexpected '.', expected a value");
  CHECK(ErrorOf("[+1]") == "t.json:1:2: unexpected '+', expected a value");
  CHECK(ErrorOf("[tru]") == "t.json:1:2: invalid literal, expected 'true'");
  CHECK(ErrorOf("[NaN]") == "t.json:1:2: unexpected 'N', expected a value");
  CHECK(ErrorOf("[\x01]") == "t.json:1:2: unexpected byte 0x01, expected a value");
  CHECK(ErrorOf("// c\n{}") == "t.json:1:1: unexpected '/', expected a value");
}

TEST_CASE("json nesting is limited instead of exhausting the stack", "[unit][core]") {
  const std::string ok = std::string(500, '[') + std::string(500, ']');
  CHECK(ParseJson(ok, "t.json").has_value());
  const std::string deep = std::string(100000, '[');
  const std::string err = ErrorOf(deep);
  CHECK(err == "t.json:1:513: nesting deeper than 512 levels");
  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 10000; ++i) s += "{\"a\":";
    return s;
  }();
  CHECK(ErrorOf(deep_objects).find("nesting deeper than 512 levels") != std::string::npos);
}

TEST_CASE("json writer is deterministic and keeps insertion order", "[unit][core]") {
  Json doc = Json::Object();
  doc.Set("z", Json::Int(1)).Set("a", Json::Array().Push(Json::Bool(true)).Push(Json::Null()));
  doc.Set("m", Json::Object());
  doc.Set("e", Json::Array());
  doc.Set("z", Json::Int(2));  // replaces in place
  CHECK(WriteJson(doc, 0) == R"({"z":2,"a":[true,null],"m":{},"e":[]})");
  CHECK(WriteJson(doc, 2) ==
        "{\n"
        "  \"z\": 2,\n"
        "  \"a\": [\n"
        "    true,\n"
        "    null\n"
        "  ],\n"
        "  \"m\": {},\n"
        "  \"e\": []\n"
        "}\n");
  CHECK(WriteJson(doc, 4).find("\n    \"a\": [\n        true,") != std::string::npos);
  doc.Erase("a");
  doc.Erase("nothing");
  CHECK(WriteJson(doc, 0) == R"({"z":2,"m":{},"e":[]})");
  CHECK(WriteJson(Json::String("x"), 2) == "\"x\"\n");
  CHECK(WriteJson(Json::Double(0.1), 0) == "0.1");
  CHECK(WriteJson(Json::Double(1e300), 0) == "1e+300");
  CHECK(WriteJson(Json::Double(std::numeric_limits<double>::quiet_NaN()), 0) == "null");
  Json promoted;
  promoted.Push(Json::Int(1));
  CHECK(WriteJson(promoted, 0) == "[1]");
}

TEST_CASE("json writer escapes hostile strings into valid JSON", "[unit][core]") {
  const std::string hostile = std::string("q\"b\\s/n\nr\rt\tb\bf\f") + std::string(1, '\0') +
                              "\x01\x1f\x7f" + "\xff\xfe" + "\xc3\xa9" + "\xc3" + "\xe2\x82" +
                              "\xed\xa0\x80" + "\xf0\x9f\x98\x80";
  const std::string out = WriteJson(Json::String(hostile), 0);
  CHECK(out ==
        "\"q\\\"b\\\\s/n\\nr\\rt\\tb\\bf\\f\\u0000\\u0001\\u001f\\u007f\\u00ff\\u00fe"
        "\xc3\xa9\\u00c3\\u00e2\\u0082\\u00ed\\u00a0\\u0080\xf0\x9f\x98\x80\"");
  // Whatever went in, what comes out parses.
  auto back = ParseJson(out, "t.json");
  REQUIRE(back);
  // Valid UTF-8 strings survive exactly.
  const std::string valid = "a\"\\\n\x01\x7f\xc3\xa9\xf0\x9f\x98\x80";
  auto v = ParseJson(WriteJson(Json::String(valid), 0), "t.json");
  REQUIRE(v);
  CHECK(v->AsString() == valid);
  // Keys are escaped too.
  Json obj = Json::Object().Set("k\"\n\xff", Json::Null());
  CHECK(WriteJson(obj, 0) == "{\"k\\\"\\n\\u00ff\":null}");
  CHECK(ParseJson(WriteJson(obj, 2), "t.json").has_value());
}

TEST_CASE("json round trips", "[unit][core]") {
  const std::string compact =
      R"({"defaultAction":"SCMP_ACT_ERRNO","n":[18446744073709551615,-1,1.5e-7,0],)"
      R"("s":"\u00e9\ud83d\ude00","o":{"a":{"b":[[],{}]}},"t":true,"f":false,"z":null})";
  const std::string once = RoundTrip(compact, 0);
  CHECK(once ==
        "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"n\":[18446744073709551615,-1,1.5e-7,0],"
        "\"s\":\"\xc3\xa9\xf0\x9f\x98\x80\",\"o\":{\"a\":{\"b\":[[],{}]}},\"t\":true,"
        "\"f\":false,\"z\":null}");
  const std::string pretty = RoundTrip(compact, 2);
  CHECK(RoundTrip(pretty, 2) == pretty);
  CHECK(RoundTrip(pretty, 0) == once);
  // Duplicate keys are kept; Find sees the first.
  auto dup = ParseJson(R"({"a":1,"a":2})", "t.json");
  REQUIRE(dup);
  CHECK(dup->AsObject().size() == 2);
  CHECK(dup->Find("a")->AsInt64() == 1);
}

}  // namespace seclearn
