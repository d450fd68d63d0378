#!/usr/bin/env python3
"""Generates loch's Kafka message codecs from Kafka's JSON message schemata.

Reads every *.json in the spec directory (Apache Kafka's
clients/src/main/resources/common/message/ files, which allow whole-line //
comments) and writes, into the output directory:

  collect/kafka/protocol/messages/<snake_name>.h  one struct per message, with
      nested structs, members for every field of every version, and
      write_to / read_from member functions taking the version;
  collect/kafka/protocol/messages/all_messages.h  every message, plus
      visit_request_type / visit_response_type (api key -> C++ type);
  messages_part_<n>.cc                          the encode/decode bodies;
  api_table.cc                                   the ApiInfo table declared in
      api_registry.h;
  messages_roundtrip_test_<n>.cc                 (with --tests) GoogleTest
      round trips of every message at every version with generated values.

The byte format the generated code speaks is described in
doc/kafka-protocol.md. `--list-outputs` prints the files it would write, so
that CMake knows them at configure time.
"""

import argparse
import json
import os
import re
import sys
import textwrap

HIGHEST = 32767
PARTS = 8
TEST_PARTS = 4

PRIMITIVES = {
    # schema type: (C++ type, reader method, writer method)
    "bool": ("bool", "read_bool", "write_bool"),
    "int8": ("int8_t", "read_int8", "write_int8"),
    "int16": ("int16_t", "read_int16", "write_int16"),
    "uint16": ("uint16_t", "read_uint16", "write_uint16"),
    "int32": ("int32_t", "read_int32", "write_int32"),
    "uint32": ("uint32_t", "read_uint32", "write_uint32"),
    "int64": ("int64_t", "read_int64", "write_int64"),
    "float64": ("double", "read_float64", "write_float64"),
    "uuid": ("Uuid", "read_uuid", "write_uuid"),
}
BYTE_TYPES = ("string", "bytes", "records")

CPP_KEYWORDS = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class",
    "const", "constexpr", "continue", "default", "delete", "do", "double", "else", "enum",
    "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline",
    "int", "long", "mutable", "namespace", "new", "noexcept", "not", "nullptr", "operator", "or",
    "private", "protected", "public", "register", "return", "short", "signed", "sizeof", "static",
    "struct", "switch", "template", "this", "throw", "true", "try", "typedef", "typename", "union",
    "unsigned", "using", "virtual", "void", "volatile", "while", "xor", "concept", "requires",
    "version", "flexible", "r", "w",
}


class SchemaError(Exception):
    pass


def strip_comments(text):
    # Kafka's schemata allow // comments; in these files each one is a whole
    # line. Dropping such lines keeps "//" inside strings ("about" texts) intact.
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))


def snake_case(name):
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


class Versions:
    """An inclusive version range; empty when lo > hi."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    @staticmethod
    def parse(text):
        text = str(text).strip()
        if text == "none":
            return Versions(0, -1)
        if text.endswith("+"):
            return Versions(int(text[:-1]), HIGHEST)
        if "-" in text:
            lo, hi = text.split("-")
            return Versions(int(lo), int(hi))
        return Versions(int(text), int(text))

    def empty(self):
        return self.lo > self.hi

    def contains(self, v):
        return self.lo <= v <= self.hi

    def intersect(self, other):
        return Versions(max(self.lo, other.lo), min(self.hi, other.hi))

    def cond(self, valid):
        """A C++ condition on `version`, simplified within `valid` versions."""
        r = self.intersect(valid)
        if r.empty():
            return "false"
        parts = []
        if r.lo > valid.lo:
            parts.append(f"version >= {r.lo}")
        if r.hi < valid.hi:
            parts.append(f"version <= {r.hi}")
        return " && ".join(parts) if parts else "true"


def regular_cond(field, valid):
    """Versions in which `field` is written inline (present, not tagged)."""
    present = field.versions.intersect(valid)
    tagged = field.tagged.intersect(valid)
    if not tagged.empty() and tagged.lo <= present.lo and tagged.hi >= present.hi:
        return "false"
    return cond_and(field.versions.cond(valid), cond_not(field.tagged.cond(valid)))


def cond_and(a, b):
    if a == "false" or b == "false":
        return "false"
    if a == "true":
        return b
    if b == "true":
        return a
    return f"({a}) && ({b})"


def cond_not(a):
    if a == "true":
        return "false"
    if a == "false":
        return "true"
    return f"!({a})"


class Field:
    def __init__(self, spec, message):
        self.name = spec["name"]
        self.cpp = snake_case(self.name)
        if self.cpp in CPP_KEYWORDS:
            self.cpp += "_"
        self.type = spec["type"]
        self.versions = Versions.parse(spec["versions"])
        self.nullable = Versions.parse(spec.get("nullableVersions", "none"))
        self.tagged = Versions.parse(spec.get("taggedVersions", "none"))
        self.tag = spec.get("tag")
        if not self.tagged.empty() and self.tag is None:
            raise SchemaError(f"{message.name}.{self.name}: taggedVersions without tag")
        self.default = spec.get("default")
        self.about = " ".join(str(spec.get("about", "")).split())
        self.version_note = "v" + spec["versions"]
        if "nullableVersions" in spec:
            self.version_note += ", null v" + spec["nullableVersions"]
        if "taggedVersions" in spec:
            self.version_note += f", tag {spec.get('tag')} v" + spec["taggedVersions"]
        self.flexible_override = (
            Versions.parse(spec["flexibleVersions"]) if "flexibleVersions" in spec else None
        )
        self.is_array = self.type.startswith("[]")
        self.element = self.type[2:] if self.is_array else self.type
        self.struct = None
        if self.element not in PRIMITIVES and self.element not in BYTE_TYPES:
            self.struct = message.define_struct(self.element, spec)

    @property
    def optional(self):
        # Records may always be null (Kafka's default for them is null).
        return not self.nullable.empty() or self.type == "records"

    def element_cpp(self):
        if self.struct is not None:
            return self.struct.name
        if self.element in PRIMITIVES:
            return PRIMITIVES[self.element][0]
        return "std::string"

    def cpp_type(self):
        t = self.element_cpp()
        if self.is_array:
            t = f"std::vector<{t}>"
        if self.optional:
            t = f"std::optional<{t}>"
        return t


class Struct:
    def __init__(self, name, field_specs, message):
        self.name = name
        self.message = message
        self.fields = [Field(f, message) for f in field_specs]
        seen = set()
        for f in self.fields:
            if f.cpp in seen:
                raise SchemaError(f"{message.name}.{name}: two fields named {f.cpp}")
            seen.add(f.cpp)

    def has_tagged(self):
        return any(not f.tagged.empty() for f in self.fields)


class Message:
    def __init__(self, spec, path):
        self.path = path
        self.name = spec["name"]
        self.kind = spec["type"]
        self.api_key = spec.get("apiKey", -1)
        self.valid = Versions.parse(spec["validVersions"])
        self.flexible = Versions.parse(spec.get("flexibleVersions", "none")).intersect(self.valid)
        self.latest_unstable = bool(spec.get("latestVersionUnstable", False))
        self.structs = {}  # name -> Struct, in definition order (children first)
        self.common_specs = {c["name"]: c for c in spec.get("commonStructs", [])}
        self.top = Struct(self.name, spec["fields"], self)

    @property
    def snake(self):
        return snake_case(self.name)

    def define_struct(self, type_name, field_spec):
        if type_name == self.name:
            raise SchemaError(f"{self.name}: a nested struct has the message's name")
        if "fields" in field_spec:
            if type_name in self.structs:
                raise SchemaError(f"{self.name}: struct {type_name} defined twice")
            if type_name in self.common_specs:
                raise SchemaError(f"{self.name}: struct {type_name} shadows a common struct")
            self.structs[type_name] = None  # reserve the name; children register first
            s = Struct(type_name, field_spec["fields"], self)
            del self.structs[type_name]
            self.structs[type_name] = s
            return s
        if type_name in self.structs and self.structs[type_name] is not None:
            return self.structs[type_name]
        if type_name not in self.common_specs:
            raise SchemaError(f"{self.name}: unknown type {type_name}")
        self.structs[type_name] = None
        s = Struct(type_name, self.common_specs[type_name]["fields"], self)
        del self.structs[type_name]
        self.structs[type_name] = s
        return s

    def all_structs(self):
        return list(self.structs.values()) + [self.top]


def load_messages(spec_dir):
    messages = []
    for file_name in sorted(os.listdir(spec_dir)):
        if not file_name.endswith(".json"):
            continue
        path = os.path.join(spec_dir, file_name)
        with open(path, encoding="utf-8") as f:
            try:
                spec = json.loads(strip_comments(f.read()))
            except json.JSONDecodeError as e:
                raise SchemaError(f"{path}: {e}") from e
        messages.append(Message(spec, path))
    return messages


# ---------------------------------------------------------------- C++ text


def cpp_string_literal(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_initializer(field):
    d = field.default
    if field.struct is not None and not field.is_array:
        if not field.optional:
            return "{}"
        return " = std::nullopt" if d == "null" else f" = {field.struct.name}{{}}"
    if field.is_array:
        if d == "null":
            return " = std::nullopt"
        return " = std::vector<{}>{{}}".format(field.element_cpp()) if field.optional else "{}"
    if field.type == "records":
        return " = std::nullopt"
    if field.type in ("string", "bytes"):
        if d == "null":
            return " = std::nullopt"
        if d:
            return f" = std::string({cpp_string_literal(d)})"
        return " = std::string()" if field.optional else "{}"
    if field.type == "bool":
        return " = true" if str(d).lower() == "true" else " = false"
    if field.type == "float64":
        return f" = {float(d) if d is not None else 0.0!r}"
    if field.type == "uuid":
        return "{}"
    value = int(str(d), 0) if d is not None and str(d) != "" else 0
    if field.type == "int64":
        return f" = INT64_C({value})" if value >= 0 else f" = -INT64_C({-value})"
    if field.type == "int32" and value == -(2**31):
        return " = INT32_MIN"
    return f" = {value}"


def emit_struct_decl(out, s, indent):
    msg = s.message
    pad = " " * indent
    for f in s.fields:
        comment = f"({f.version_note}) {f.about}".strip()
        out.extend(f"{pad}// {line.rstrip(chr(92))}" for line in textwrap.wrap(comment, width=96 - indent))
        out.append(f"{pad}{f.cpp_type()} {f.cpp}{default_initializer(f)};")
    out.append(f"{pad}// Tagged fields this schema does not know, kept for re-encoding.")
    out.append(f"{pad}std::vector<RawTaggedField> unknown_tagged_fields;")
    out.append("")
    out.append(f"{pad}void write_to(WireWriter& w, int16_t version) const;")
    out.append(f"{pad}void read_from(WireReader& r, int16_t version);")
    out.append(f"{pad}bool operator==(const {s.name}&) const = default;")
    del msg


def generate_header(msg):
    out = [
        f"// Generated by tools/kafka_codegen/kafka_codegen.py from {os.path.basename(msg.path)}.",
        "// Do not edit: change the generator. Wire format: doc/kafka-protocol.md.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <optional>",
        "#include <string>",
        "#include <string_view>",
        "#include <vector>",
        "",
        '#include "collect/kafka/protocol/wire_types.h"',
        "",
        "namespace loch::kafka {",
        "",
        "class WireReader;",
        "class WireWriter;",
        "",
    ]
    if msg.structs:
        # Nested structs live in their own namespace and are complete before
        # the message struct, so that std::optional<Nested> members see a
        # default-constructible type (clang evaluates that trait early).
        out.append(f"namespace {nested_namespace(msg)} {{")
        out.append("")
        for st in msg.structs.values():
            out.append(f"struct {st.name} {{")
            emit_struct_decl(out, st, 2)
            out.append("};")
            out.append("")
        out.append(f"}}  // namespace {nested_namespace(msg)}")
        out.append("")
    out += [
        f"struct {msg.name} {{",
        f'  static constexpr std::string_view kName = "{msg.name}";',
        f"  static constexpr int16_t kApiKey = {msg.api_key};",
        f"  static constexpr int16_t kLowestVersion = {msg.valid.lo};",
        f"  static constexpr int16_t kHighestVersion = {msg.valid.hi};",
        "  // -1 when no version is flexible (KIP-482).",
        f"  static constexpr int16_t kFirstFlexibleVersion = {msg.flexible.lo if not msg.flexible.empty() else -1};",
        "",
    ]
    for st in msg.structs.values():
        out.append(f"  using {st.name} = {nested_namespace(msg)}::{st.name};")
    if msg.structs:
        out.append("")
    emit_struct_decl(out, msg.top, 2)
    out.append("};")
    out.append("")
    out.append("}  // namespace loch::kafka")
    out.append("")
    return "\n".join(out)


class CodeContext:
    def __init__(self, msg):
        self.msg = msg
        self.counter = 0

    def fresh(self, base):
        self.counter += 1
        return f"{base}{self.counter}"


def compact_cond(field, msg):
    if field.flexible_override is not None:
        return field.flexible_override.cond(msg.valid)
    return "flexible"


def write_value(ctx, field, expr, compact, nullable, out, pad, w="w"):
    """Lines writing `expr` (the member) for `field` with the writer named `w`."""
    lines = []
    write_value_lines(ctx, field, expr, compact, nullable, lines, pad)
    out.extend(line.replace("@w", w) for line in lines)


def write_value_lines(ctx, field, expr, compact, nullable, out, pad):
    t = field.type
    if field.is_array:
        items = ctx.fresh("items")
        if field.optional:
            out.append(f"{pad}if (!{expr}) {{")
            if nullable != "false":
                if nullable == "true":
                    out.append(f"{pad}  @w.write_null_array({compact});")
                else:
                    out.append(f"{pad}  if ({nullable}) @w.write_null_array({compact}); else @w.write_array_length(0, {compact});")
            else:
                out.append(f"{pad}  @w.write_array_length(0, {compact});")
            out.append(f"{pad}}} else {{")
            out.append(f"{pad}  const auto& {items} = *{expr};")
        else:
            out.append(f"{pad}{{")
            out.append(f"{pad}  const auto& {items} = {expr};")
        out.append(f"{pad}  @w.write_array_length({items}.size(), {compact});")
        item = ctx.fresh("item")
        out.append(f"{pad}  for (const auto& {item} : {items}) {{")
        if field.struct is not None:
            out.append(f"{pad}    {item}.write_to(@w, version);")
        elif field.element in PRIMITIVES:
            out.append(f"{pad}    @w.{PRIMITIVES[field.element][2]}({item});")
        elif field.element == "string":
            out.append(f"{pad}    @w.write_string({item}, {compact});")
        else:
            out.append(f"{pad}    @w.write_bytes({item}, {compact});")
        out.append(f"{pad}  }}")
        out.append(f"{pad}}}")
        return
    if field.struct is not None:
        if field.optional:
            out.append(f"{pad}if ({expr}) {{")
            if nullable != "false":
                out.append(f"{pad}  if ({nullable}) @w.write_int8(1);")
            out.append(f"{pad}  {expr}->write_to(@w, version);")
            out.append(f"{pad}}} else {{")
            if nullable == "true":
                out.append(f"{pad}  @w.write_int8(-1);")
            elif nullable == "false":
                out.append(f"{pad}  {field.struct.name}{{}}.write_to(@w, version);")
            else:
                out.append(f"{pad}  if ({nullable}) @w.write_int8(-1); else {field.struct.name}{{}}.write_to(@w, version);")
            out.append(f"{pad}}}")
        else:
            out.append(f"{pad}{expr}.write_to(@w, version);")
        return
    if t in PRIMITIVES:
        out.append(f"{pad}@w.{PRIMITIVES[t][2]}({expr});")
        return
    method = "string" if t == "string" else "bytes"
    if not field.optional:
        out.append(f"{pad}@w.write_{method}({expr}, {compact});")
    elif nullable == "true" and t == "records":
        # Records may be reserved for the caller to fill (RecordsReservations).
        out.append(f"{pad}@w.write_records({expr}, {compact});")
    elif nullable == "true":
        out.append(f"{pad}@w.write_nullable_{method}({expr}, {compact});")
    elif nullable == "false":
        out.append(f"{pad}@w.write_{method}(or_empty({expr}), {compact});")
    else:
        out.append(f"{pad}if ({nullable}) @w.write_nullable_{method}({expr}, {compact}); else @w.write_{method}(or_empty({expr}), {compact});")


def read_value(ctx, field, expr, reader, compact, nullable, out, pad):
    """Lines reading `field` from `reader` into `expr`."""
    t = field.type
    if field.is_array:
        count = ctx.fresh("count")
        items = ctx.fresh("items")
        out.append(f"{pad}{{")
        out.append(f"{pad}  const int32_t {count} = {reader}.read_array_length({compact}, {nullable});")
        out.append(f"{pad}  if ({count} >= 0) {{")
        if field.optional:
            out.append(f"{pad}    auto& {items} = {expr}.emplace();")
        else:
            out.append(f"{pad}    auto& {items} = {expr};")
            out.append(f"{pad}    {items}.clear();")
        # The count was checked against the bytes left; reserve is capped
        # further because a struct element is larger in memory than on the wire.
        out.append(f"{pad}    {items}.reserve(std::min<size_t>(static_cast<size_t>({count}), 4096));")
        i = ctx.fresh("i")
        out.append(f"{pad}    for (int32_t {i} = 0; {i} < {count} && {reader}.ok(); ++{i}) {{")
        if field.struct is not None:
            out.append(f"{pad}      {items}.emplace_back().read_from({reader}, version);")
        elif field.element in PRIMITIVES:
            out.append(f"{pad}      {items}.push_back({reader}.{PRIMITIVES[field.element][1]}());")
        elif field.element == "string":
            out.append(f"{pad}      {items}.push_back({reader}.read_string({compact}));")
        else:
            out.append(f"{pad}      {items}.push_back({reader}.read_bytes({compact}));")
        out.append(f"{pad}    }}")
        if field.optional:
            out.append(f"{pad}  }} else {{")
            out.append(f"{pad}    {expr} = std::nullopt;")
        out.append(f"{pad}  }}")
        out.append(f"{pad}}}")
        return
    if field.struct is not None:
        if field.optional:
            if nullable == "false":
                out.append(f"{pad}{expr}.emplace().read_from({reader}, version);")
            else:
                out.append(f"{pad}if (!({nullable}) || {reader}.read_struct_presence()) {{")
                out.append(f"{pad}  {expr}.emplace().read_from({reader}, version);")
                out.append(f"{pad}}} else {{")
                out.append(f"{pad}  {expr} = std::nullopt;")
                out.append(f"{pad}}}")
        else:
            out.append(f"{pad}{expr}.read_from({reader}, version);")
        return
    if t in PRIMITIVES:
        out.append(f"{pad}{expr} = {reader}.{PRIMITIVES[t][1]}();")
        return
    method = "string" if t == "string" else "bytes"
    if not field.optional:
        out.append(f"{pad}{expr} = {reader}.read_{method}({compact});")
    elif nullable == "true":
        out.append(f"{pad}{expr} = {reader}.read_nullable_{method}({compact});")
    elif nullable == "false":
        out.append(f"{pad}{expr} = {reader}.read_{method}({compact});")
    else:
        out.append(f"{pad}if ({nullable}) {expr} = {reader}.read_nullable_{method}({compact}); else {expr} = {reader}.read_{method}({compact});")


def nested_namespace(msg):
    return f"{msg.snake}_structs"


def qualified(msg, s):
    return msg.name if s is msg.top else f"{nested_namespace(msg)}::{s.name}"


def generate_struct_code(msg, s, out):
    ctx = CodeContext(msg)
    q = qualified(msg, s)
    flexible = msg.flexible.cond(msg.valid)
    uses_flexible = flexible != "false"

    # ---- write_to
    out.append(f"void {q}::write_to([[maybe_unused]] WireWriter& w, [[maybe_unused]] int16_t version) const {{")
    out.append(f"  [[maybe_unused]] const bool flexible = {flexible};")
    for f in s.fields:
        present = regular_cond(f, msg.valid)
        if present == "false":
            continue
        body = []
        write_value(ctx, f, f.cpp, compact_cond(f, msg), f.nullable.cond(msg.valid), body, "    ")
        if present == "true":
            out.extend(line[2:] for line in body)
        else:
            out.append(f"  if ({present}) {{")
            out.extend(body)
            out.append("  }")
    if uses_flexible:
        out.append("  if (flexible) {")
        if s.has_tagged():
            out.append(f"    static const {q} kDefaults;")
            out.append("    std::vector<RawTaggedField> tagged;")
            for f in s.fields:
                tc = f.tagged.cond(msg.valid)
                if tc == "false":
                    continue
                out.append(f"    if (({tc}) && !({f.cpp} == kDefaults.{f.cpp})) {{")
                out.append(f"      RawTaggedField& field = tagged.emplace_back();")
                out.append(f"      field.tag = {f.tag};")
                out.append("      WireWriter tagged_writer(field.data);")
                write_value(ctx, f, f.cpp, "true", f.nullable.cond(msg.valid), out, "      ", w="tagged_writer")
                out.append("    }")
            out.append("    tagged.insert(tagged.end(), unknown_tagged_fields.begin(), unknown_tagged_fields.end());")
            out.append("    std::stable_sort(tagged.begin(), tagged.end(), [](const RawTaggedField& a, const RawTaggedField& b) { return a.tag < b.tag; });")
            out.append("    w.write_tagged_fields(tagged);")
        else:
            out.append("    w.write_tagged_fields(unknown_tagged_fields);")
        out.append("  }")
    out.append("}")
    out.append("")

    # ---- read_from
    out.append(f"void {q}::read_from([[maybe_unused]] WireReader& r, [[maybe_unused]] int16_t version) {{")
    out.append(f"  [[maybe_unused]] const bool flexible = {flexible};")
    for f in s.fields:
        present = regular_cond(f, msg.valid)
        if present == "false":
            continue
        body = [f'    r.set_field("{s.name}.{f.name}");']
        read_value(ctx, f, f.cpp, "r", compact_cond(f, msg), f.nullable.cond(msg.valid), body, "    ")
        if present == "true":
            out.extend(line[2:] for line in body)
        else:
            out.append(f"  if ({present}) {{")
            out.extend(body)
            out.append("  }")
    if uses_flexible:
        out.append("  if (flexible && r.ok()) {")
        out.append(f'    r.set_field("{s.name} tagged fields");')
        out.append("    const uint32_t tag_count = r.read_uvarint32();")
        out.append("    for (uint32_t i = 0; i < tag_count && r.ok(); ++i) {")
        out.append("      const uint32_t tag = r.read_uvarint32();")
        out.append("      const uint32_t size = r.read_uvarint32();")
        out.append("      const std::string_view data = r.read_raw(size);")
        out.append("      if (!r.ok()) break;")
        tagged_fields = [f for f in s.fields if f.tagged.cond(msg.valid) != "false"]
        if tagged_fields:
            out.append("      WireReader tr(data, r.position() - size);")
            out.append("      switch (tag) {")
            for f in tagged_fields:
                out.append(f"        case {f.tag}:")
                out.append(f"          if ({f.tagged.cond(msg.valid)}) {{")
                body = [f'            tr.set_field("{s.name}.{f.name}");']
                read_value(ctx, f, f.cpp, "tr", "true", f.nullable.cond(msg.valid), body, "            ")
                out.extend(body)
                out.append('            if (tr.ok() && tr.remaining() != 0) tr.fail("tagged field has bytes after its value");')
                out.append("            r.absorb(tr);")
                out.append("            continue;")
                out.append("          }")
                out.append("          break;")
            out.append("        default:")
            out.append("          break;")
            out.append("      }")
        out.append("      unknown_tagged_fields.push_back(RawTaggedField{tag, std::string(data)});")
        out.append("    }")
        out.append("  }")
    out.append("}")
    out.append("")


def generate_part(messages):
    out = [
        "// Generated by tools/kafka_codegen/kafka_codegen.py. Do not edit.",
        "#include <algorithm>",
        "#include <cstdint>",
        "",
        '#include "collect/kafka/protocol/wire_reader.h"',
        '#include "collect/kafka/protocol/wire_writer.h"',
    ]
    for m in messages:
        out.append(f'#include "collect/kafka/protocol/messages/{m.snake}.h"')
    out += [
        "",
        "namespace loch::kafka {",
        "namespace {",
        "[[maybe_unused]] std::string_view or_empty(const std::optional<std::string>& v) {",
        "  return v ? std::string_view(*v) : std::string_view();",
        "}",
        "}  // namespace",
        "",
    ]
    for m in messages:
        for s in m.all_structs():
            generate_struct_code(m, s, out)
    out.append("}  // namespace loch::kafka")
    out.append("")
    return "\n".join(out)


def api_pairs(messages):
    requests = {m.api_key: m for m in messages if m.kind == "request"}
    responses = {m.api_key: m for m in messages if m.kind == "response"}
    if set(requests) != set(responses):
        raise SchemaError("requests and responses do not pair up by api key")
    return [(k, requests[k], responses[k]) for k in sorted(requests)]


def api_name(request):
    return request.name[: -len("Request")]


def generate_all_header(messages):
    out = [
        "// Generated by tools/kafka_codegen/kafka_codegen.py. Do not edit.",
        "// Every Kafka message type, and the api key -> C++ type mapping.",
        "#pragma once",
        "",
        "#include <cstdint>",
        "#include <type_traits>",
        "",
    ]
    for m in messages:
        out.append(f'#include "collect/kafka/protocol/messages/{m.snake}.h"')
    out += ["", "namespace loch::kafka {", ""]
    for kind in ("request", "response"):
        out.append(f"// Calls visitor(std::type_identity<{kind.capitalize()}Type>{{}}) for `api_key` and returns")
        out.append("// true, or returns false when the key is unknown.")
        out.append("template <typename Visitor>")
        out.append(f"bool visit_{kind}_type(int16_t api_key, Visitor&& visitor) {{")
        out.append("  switch (api_key) {")
        for key, req, resp in api_pairs(messages):
            m = req if kind == "request" else resp
            out.append(f"    case {key}: visitor(std::type_identity<{m.name}>{{}}); return true;")
        out.append("    default: return false;")
        out.append("  }")
        out.append("}")
        out.append("")
    out.append("}  // namespace loch::kafka")
    out.append("")
    return "\n".join(out)


def generate_registry(messages):
    out = [
        "// Generated by tools/kafka_codegen/kafka_codegen.py. Do not edit.",
        '#include "collect/kafka/protocol/api_registry.h"',
        "",
        "#include <array>",
        "",
        '#include "collect/kafka/protocol/message_codec.h"',
        '#include "collect/kafka/protocol/messages/all_messages.h"',
        "",
        "namespace loch::kafka {",
        "namespace {",
        "constexpr std::array kApis{",
    ]
    for key, req, _ in api_pairs(messages):
        flex = req.flexible.lo if not req.flexible.empty() else -1
        out.append(
            f'    ApiInfo{{{key}, "{api_name(req)}", {req.valid.lo}, {req.valid.hi}, {flex}, '
            f'{"true" if req.latest_unstable else "false"}}},'
        )
    out += [
        "};",
        "}  // namespace",
        "",
        "std::span<const ApiInfo> all_apis() { return kApis; }",
        "",
        "const ApiInfo* find_api(int16_t api_key) {",
        "  for (const ApiInfo& api : kApis) {",
        "    if (api.api_key == api_key) return &api;",
        "  }",
        "  return nullptr;",
        "}",
        "",
        "}  // namespace loch::kafka",
        "",
    ]
    return "\n".join(out)


# ---------------------------------------------------------------- tests


def fill_function_name(msg, s):
    return f"fill_{msg.snake}_{snake_case(s.name)}"


def generate_fill(msg, s, out):
    q = qualified(msg, s)
    out.append(f"[[maybe_unused]] void {fill_function_name(msg, s)}([[maybe_unused]] {q}& s, [[maybe_unused]] int16_t version, [[maybe_unused]] int seed) {{")
    for index, f in enumerate(s.fields):
        present = f.versions.cond(msg.valid)
        if present == "false":
            continue
        nullable = f.nullable.cond(msg.valid)
        lines = []
        element = f"{msg.name}::{f.struct.name}" if f.struct is not None else f.element_cpp()
        value = f"({index + 1} + seed * 3)"
        may_be_null = f"seed == 2 && ({nullable})" if nullable != "false" else "false"
        if f.is_array:
            lines.append(f"if ({may_be_null}) {{")
            lines.append(f"  s.{f.cpp} = std::nullopt;" if f.optional else "")
            lines.append("} else if (seed == 2) {")
            lines.append(f"  s.{f.cpp} = std::vector<{element}>{{}};" if f.optional else f"  s.{f.cpp}.clear();")
            lines.append("} else {")
            lines.append(f"  std::vector<{element}> items(2);")
            lines.append("  for (size_t i = 0; i < items.size(); ++i) {")
            if f.struct is not None:
                lines.append(f"    {fill_function_name(msg, f.struct)}(items[i], version, seed);")
            elif f.element == "bool":
                lines.append("    items[i] = (i == 0);")
            elif f.element == "uuid":
                lines.append(f"    items[i].bytes[i] = static_cast<uint8_t>{value};")
            elif f.element == "float64":
                lines.append(f"    items[i] = {value} + 0.5 + static_cast<double>(i);")
            elif f.element in PRIMITIVES:
                lines.append(f"    items[i] = static_cast<{element}>({value} + static_cast<int>(i));")
            else:
                lines.append(f'    items[i] = "{f.name}" + std::to_string(i);')
            lines.append("  }")
            lines.append(f"  s.{f.cpp} = std::move(items);")
            lines.append("}")
        elif f.struct is not None:
            if f.optional:
                lines.append(f"if ({may_be_null}) {{")
                lines.append(f"  s.{f.cpp} = std::nullopt;")
                lines.append("} else {")
                lines.append(f"  {fill_function_name(msg, f.struct)}(s.{f.cpp}.emplace(), version, seed);")
                lines.append("}")
            else:
                lines.append(f"{fill_function_name(msg, f.struct)}(s.{f.cpp}, version, seed);")
        elif f.type == "bool":
            lines.append(f"s.{f.cpp} = !s.{f.cpp};")
        elif f.type == "uuid":
            lines.append(f"s.{f.cpp}.bytes[{index % 16}] = static_cast<uint8_t>{value};")
            lines.append(f"s.{f.cpp}.bytes[15] = static_cast<uint8_t>(seed);")
        elif f.type == "float64":
            lines.append(f"s.{f.cpp} = {value} + 0.25;")
        elif f.type in PRIMITIVES:
            lines.append(f"s.{f.cpp} = static_cast<{element}>({value} * 7);")
        else:
            if f.optional:
                lines.append(f"if ({may_be_null}) {{")
                lines.append(f"  s.{f.cpp} = std::nullopt;")
                lines.append("} else {")
                lines.append(f'  s.{f.cpp} = std::string("{f.name}-") + std::to_string(seed);')
                lines.append("}")
            else:
                lines.append(f's.{f.cpp} = std::string("{f.name}-") + std::to_string(seed);')
        lines = [line for line in lines if line != ""]
        if present == "true":
            out.extend("  " + line for line in lines)
        else:
            out.append(f"  if ({present}) {{")
            out.extend("    " + line for line in lines)
            out.append("  }")
    out.append("}")
    out.append("")


def generate_test_part(messages):
    out = [
        "// Generated by tools/kafka_codegen/kafka_codegen.py. Do not edit.",
        "// Every message at every version: fill each field the version has with a",
        "// value other than its default, encode, decode, compare; encode again and",
        "// compare the bytes. Seed 1 fills arrays and strings, seed 2 uses null",
        "// where the version allows it and empty arrays elsewhere.",
        "#include <gtest/gtest.h>",
        "",
        "#include <string>",
        "#include <utility>",
        "#include <vector>",
        "",
        '#include "collect/kafka/protocol/message_codec.h"',
    ]
    for m in messages:
        out.append(f'#include "collect/kafka/protocol/messages/{m.snake}.h"')
    out += ["", "namespace loch::kafka {", "namespace {", ""]
    for m in messages:
        for s in m.all_structs():
            generate_fill(m, s, out)
    for m in messages:
        out.append(f"TEST(GeneratedCodec, {m.name}RoundTripsAtEveryVersion) {{")
        out.append(f"  for (int16_t version = {m.name}::kLowestVersion; version <= {m.name}::kHighestVersion; ++version) {{")
        out.append("    for (int seed = 1; seed <= 2; ++seed) {")
        out.append(f"      {m.name} original;")
        out.append(f"      {fill_function_name(m, m.top)}(original, version, seed);")
        out.append("      const std::string bytes = encode_message(original, version);")
        out.append(f"      Result<{m.name}> decoded = decode_message<{m.name}>(bytes, version);")
        out.append('      ASSERT_TRUE(decoded.is_ok()) << "v" << version << " seed " << seed << ": " << decoded.status().to_string();')
        out.append('      EXPECT_TRUE(*decoded == original) << "v" << version << " seed " << seed;')
        out.append('      EXPECT_EQ(encode_message(*decoded, version), bytes) << "v" << version << " seed " << seed;')
        out.append("      // Every proper prefix is refused, never read past.")
        out.append("      for (size_t cut = 0; cut < bytes.size(); cut += 1 + bytes.size() / 16) {")
        out.append(f"        EXPECT_FALSE(decode_message<{m.name}>(std::string_view(bytes).substr(0, cut), version).is_ok())")
        out.append('            << "v" << version << " cut at " << cut;')
        out.append("      }")
        out.append("    }")
        out.append("  }")
        out.append("}")
        out.append("")
    out.append("}  // namespace")
    out.append("}  // namespace loch::kafka")
    out.append("")
    return "\n".join(out)


def generate_sample_requests(messages):
    """Sample request frames (for fuzzing seeds): every request, every version."""
    requests = [req for _, req, _ in api_pairs(messages)]
    out = [
        "// Generated by tools/kafka_codegen/kafka_codegen.py. Do not edit.",
        "// Sample request frames with every field of the version filled, as fuzzing",
        "// seeds (fuzz/write_kafka_seeds.cc). Not part of loch itself.",
        "#include <string>",
        "#include <utility>",
        "#include <vector>",
        "",
        '#include "collect/kafka/protocol/messages/all_messages.h"',
        '#include "collect/kafka/protocol/request_frame.h"',
        "",
        "namespace loch::kafka {",
        "namespace {",
        "",
    ]
    for m in requests:
        for st in m.all_structs():
            generate_fill(m, st, out)
    out += [
        "}  // namespace",
        "",
        "// A whole request frame (size prefix included), or empty for an unknown key.",
        "std::string sample_request_frame(int16_t api_key, int16_t version, int seed) {",
        "  std::string frame;",
        "  switch (api_key) {",
    ]
    for m in requests:
        out.append(f"    case {m.api_key}: {{")
        out.append(f"      {m.name} request;")
        out.append(f"      {fill_function_name(m, m.top)}(request, version, seed);")
        out.append("      RequestHeader header;")
        out.append(f"      header.request_api_key = {m.api_key};")
        out.append("      header.request_api_version = version;")
        out.append("      header.correlation_id = seed;")
        out.append('      header.client_id = "seed";')
        out.append("      append_request_frame(header, request, frame);")
        out.append("      break;")
        out.append("    }")
    out += ["    default:", "      break;", "  }", "  return frame;", "}", "", "}  // namespace loch::kafka", ""]
    return "\n".join(out)


# ---------------------------------------------------------------- driver


def split(items, parts):
    return [items[i::parts] for i in range(parts)]


def outputs(out_dir, messages, with_tests):
    files = {}
    header_dir = os.path.join(out_dir, "collect", "kafka", "protocol", "messages")
    for m in messages:
        files[os.path.join(header_dir, f"{m.snake}.h")] = lambda m=m: generate_header(m)
    files[os.path.join(header_dir, "all_messages.h")] = lambda: generate_all_header(messages)
    for i, chunk in enumerate(split(messages, PARTS)):
        files[os.path.join(out_dir, f"messages_part_{i}.cc")] = lambda c=chunk: generate_part(c)
    files[os.path.join(out_dir, "api_table.cc")] = lambda: generate_registry(messages)
    if with_tests:
        files[os.path.join(out_dir, "sample_requests.cc")] = lambda: generate_sample_requests(messages)
        for i, chunk in enumerate(split(messages, TEST_PARTS)):
            files[os.path.join(out_dir, f"messages_roundtrip_test_{i}.cc")] = lambda c=chunk: generate_test_part(c)
    return files


def write_file(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec-dir", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--tests", action="store_true", help="also write the round-trip tests")
    parser.add_argument("--list-outputs", action="store_true", help="print output paths (;-separated) and exit")
    parser.add_argument("--stamp", help="file to touch after a successful run")
    args = parser.parse_args()
    try:
        messages = load_messages(args.spec_dir)
        files = outputs(args.out_dir, messages, args.tests)
        if args.list_outputs:
            print(";".join(files), end="")
            return 0
        for path, make in files.items():
            write_file(path, make())
        if args.stamp:
            with open(args.stamp, "w", encoding="utf-8") as f:
                f.write("ok\n")
    except SchemaError as e:
        print(f"kafka_codegen: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
