#include "convlab/descriptor.hpp"

#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "convlab/error.hpp"

namespace convlab {

namespace {

struct Tokens {
  std::map<std::string, int64_t> values;
  std::optional<std::string> name;
};

std::string join(const std::vector<std::string_view>& keys) {
  std::string out;
  for (auto k : keys) {
    if (!out.empty()) out += ' ';
    out += k;
  }
  return out;
}

// Splits "mb2ic3ih32n\"x\"" into {mb:2, ic:3, ih:32}, name "x". Every key must
// be one of `known`.
Tokens tokenize(std::string_view text, const std::vector<std::string_view>& known,
                std::string_view whole) {
  Tokens t;
  size_t i = 0;
  auto quoted = [&] { return "\"" + shortened(whole) + "\""; };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '_') { ++i; continue; }
    if (!std::islower(static_cast<unsigned char>(c))) {
      // The whole character, not the first byte of its UTF-8 sequence.
      const unsigned char lead = static_cast<unsigned char>(c);
      const std::size_t bytes = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      throw Error("descriptor", std::string(text.substr(i, bytes)),
                  "unexpected character at position " + std::to_string(i) + " of " + quoted() +
                      " (expected a key such as ic, ih, kh)");
    }
    size_t j = i;
    while (j < text.size() && std::islower(static_cast<unsigned char>(text[j]))) ++j;
    std::string key(text.substr(i, j - i));
    if (key == "n" && j < text.size() && text[j] == '"') {
      const size_t close = text.find('"', j + 1);
      if (close == std::string_view::npos)
        throw Error("n", std::string(text.substr(j)), "label has no closing quote in " + quoted());
      if (t.name) throw Error("n", std::string(text.substr(j)), "label given twice");
      t.name = std::string(text.substr(j + 1, close - j - 1));
      i = close + 1;
      continue;
    }
    auto is_known = [&](std::string_view word) {
      for (auto k : known)
        if (k == word) return true;
      return false;
    };
    if (!is_known(key)) {
      // "ihoc16" is a key whose value is missing ("ih", then "oc16"), while
      // "icc3" is a misspelt key: tell them apart by what follows the prefix.
      for (std::size_t cut = key.size() - 1; cut > 0; --cut) {
        const std::string head = key.substr(0, cut), rest = key.substr(cut);
        bool rest_starts_a_key = false;
        for (auto k : known) rest_starts_a_key = rest_starts_a_key || rest.rfind(k, 0) == 0;
        if (is_known(head) && rest_starts_a_key)
          throw Error(head, "", "missing value (an integer must follow '" + head + "') in " +
                                    quoted());
      }
      throw Error(key, "", "unknown key in " + quoted() + " (known keys: " + join(known) +
                               ", and n\"label\")");
    }
    size_t k = j;
    if (k < text.size() && text[k] == '-') ++k;
    while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k]))) ++k;
    const std::string_view digits = text.substr(j, k - j);
    if (digits.empty() || digits == "-")
      throw Error(key, "", "missing value (an integer must follow '" + key + "') in " + quoted());
    int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc() || ptr != digits.data() + digits.size())
      throw Error(key, std::string(digits), "not a 64-bit integer");
    if (!t.values.emplace(key, v).second)
      throw Error(key, std::string(digits), "given twice in " + quoted());
    i = k;
  }
  return t;
}

int64_t required(const Tokens& t, const char* key, const char* what) {
  auto it = t.values.find(key);
  if (it == t.values.end())
    throw Error(key, "", std::string("missing (") + what + " is required)");
  return it->second;
}
int64_t optional(const Tokens& t, const char* key, int64_t fallback) {
  auto it = t.values.find(key);
  return it == t.values.end() ? fallback : it->second;
}
bool has(const Tokens& t, const char* key) { return t.values.count(key) != 0; }

bool flag(const Tokens& t, const char* key, bool fallback) {
  const int64_t v = optional(t, key, fallback ? 1 : 0);
  if (v != 0 && v != 1) throw Error(key, std::to_string(v), "must be 0 or 1");
  return v == 1;
}

void check_given_output(const Tokens& t, const char* key, int64_t derived) {
  if (has(t, key) && t.values.at(key) != derived)
    throw Error(key, std::to_string(t.values.at(key)),
                "does not match the output size derived from the other fields (" +
                    std::to_string(derived) + ")");
}

// Appends "<key><value>" unless the value is the default a parser would fill in.
void put(std::string& out, const char* key, int64_t value, int64_t implied) {
  if (value != implied) out += key + std::to_string(value);
}
void put_label(std::string& out, std::string_view label) {
  if (!label.empty()) out += "n\"" + std::string(label) + "\"";
}

struct AlgPrefix {
  std::string_view text;
  PoolAlg alg;
};
constexpr AlgPrefix kAlgs[] = {
    {"max", PoolAlg::max},
    {"avg_p", PoolAlg::avg_include_pad},
    {"avg_np", PoolAlg::avg_exclude_pad},
};

// The keys both problems share. A height key missing while its width twin is
// given takes the width; a missing width takes the height (benchdnn's rule).
template <class P>
void read_input_and_kernel(const Tokens& t, P& p) {
  p.mb = optional(t, "mb", 2);
  if (!has(t, "ih") && !has(t, "iw")) required(t, "ih", "the input height");
  p.ih = has(t, "ih") ? t.values.at("ih") : t.values.at("iw");
  p.iw = optional(t, "iw", p.ih);
  if (!has(t, "kh") && !has(t, "kw")) required(t, "kh", "the kernel height");
  p.kh = has(t, "kh") ? t.values.at("kh") : t.values.at("kw");
  p.kw = optional(t, "kw", p.kh);
}
template <class P>
void read_dilation(const Tokens& t, P& p) {
  p.dh = optional(t, "dh", 0);
  p.dw = optional(t, "dw", p.dh);
}
// Convolution padding: ph sets pt and pb, pw sets pl and pr; pt/pb/pl/pr set
// one side each (a side not given is 0). A width given in no form takes the
// height's pair.
void read_conv_padding(const Tokens& t, Conv2dParams& p) {
  auto exclusive = [&](const char* both, const char* before, const char* after) {
    for (const char* side : {before, after})
      if (has(t, both) && has(t, side))
        throw Error(side, std::to_string(t.values.at(side)),
                    std::string("given with ") + both + ", which sets " + before + " and " + after +
                        " already (give " + both + ", or " + before + "/" + after + ")");
  };
  for (const char* key : {"ph", "pw", "pt", "pb", "pl", "pr"})  // named as given
    if (has(t, key) && t.values.at(key) < 0)
      throw Error(key, std::to_string(t.values.at(key)), "padding must be >= 0");
  exclusive("ph", "pt", "pb");
  exclusive("pw", "pl", "pr");
  p.pt = optional(t, "pt", optional(t, "ph", 0));
  p.pb = optional(t, "pb", optional(t, "ph", 0));
  if (!has(t, "pw") && !has(t, "pl") && !has(t, "pr")) {
    p.pl = p.pt, p.pr = p.pb;
  } else {
    p.pl = optional(t, "pl", optional(t, "pw", 0));
    p.pr = optional(t, "pr", optional(t, "pw", 0));
  }
}
// The one validation, and a given oh/ow against the derived size.
template <class P>
P finish(const Tokens& t, P p) {
  validate(p);
  check_given_output(t, "oh", p.oh());
  check_given_output(t, "ow", p.ow());
  return p;
}

// The alg prefix ends at the first ':' outside the label (labels may hold ':').
size_t alg_colon(std::string_view d) {
  const size_t colon = d.find(':');
  return colon < d.find('"') ? colon : std::string_view::npos;
}

}  // namespace

Conv2dParams parse_conv2d(std::string_view d) {
  static const std::vector<std::string_view> keys = {
      "g", "mb", "ic", "ih", "iw", "oc", "oh", "ow", "kh", "kw",
      "sh", "sw", "ph", "pw", "pt", "pb", "pl", "pr", "dh", "dw", "bias"};
  if (alg_colon(d) != std::string_view::npos)
    throw Error("descriptor", std::string(d),
                "a conv2d descriptor has no \"alg:\" prefix (that is pool2d syntax)");
  const Tokens t = tokenize(d, keys, d);
  Conv2dParams p;
  read_input_and_kernel(t, p);
  p.g = optional(t, "g", 1);
  p.ic = required(t, "ic", "the input channel count");
  p.oc = required(t, "oc", "the output channel count");
  p.sh = optional(t, "sh", 1);
  p.sw = optional(t, "sw", p.sh);
  read_conv_padding(t, p);
  read_dilation(t, p);
  p.bias = flag(t, "bias", true);
  return finish(t, p);
}

Pool2dParams parse_pool2d(std::string_view d) {
  static const std::vector<std::string_view> keys = {
      "mb", "ic", "ih", "iw", "oh", "ow", "kh", "kw", "sh", "sw", "ph", "pw", "dh", "dw", "ceil",
      "relu", "div", "idx"};
  const size_t colon = alg_colon(d);
  if (colon == std::string_view::npos)
    throw Error("alg", "", "a pool2d descriptor starts with its algorithm: max:, avg_p: or avg_np:");
  const std::string_view alg_text = d.substr(0, colon);
  Pool2dParams p;
  bool found = false;
  for (const auto& a : kAlgs) {
    if (a.text == alg_text) {
      p.alg = a.alg;
      found = true;
    }
  }
  if (!found)
    throw Error("alg", std::string(alg_text),
                "unknown pooling algorithm (max, avg_p = count padding, avg_np = do not)");
  const Tokens t = tokenize(d.substr(colon + 1), keys, d);
  read_input_and_kernel(t, p);
  p.ic = required(t, "ic", "the channel count");
  p.sh = optional(t, "sh", p.kh);
  p.sw = optional(t, "sw", has(t, "sh") ? p.sh : p.kw);
  p.ph = optional(t, "ph", 0);
  p.pw = optional(t, "pw", p.ph);
  read_dilation(t, p);
  p.ceil_mode = flag(t, "ceil", false);
  p.relu = flag(t, "relu", false);
  if (has(t, "div") && t.values.at("div") < 1)
    throw Error("div", std::to_string(t.values.at("div")),
                "divisor_override must be >= 1 (PyTorch: it must not be zero)");
  p.divisor = optional(t, "div", 0);
  p.indices = flag(t, "idx", false);
  return finish(t, p);
}

Problem parse_problem(std::string_view d) {
  if (alg_colon(d) != std::string_view::npos) return parse_pool2d(d);
  return parse_conv2d(d);
}

LabeledProblem parse_labeled_problem(std::string_view d) {
  LabeledProblem out{parse_problem(d), {}};
  // Parsed, so the only quotes are the label's: n"...".
  const size_t open = d.find('"');
  if (open != std::string_view::npos) out.label = std::string(d.substr(open + 1, d.find('"', open + 1) - open - 1));
  return out;
}

std::string format_descriptor(const Conv2dParams& p, std::string_view label) {
  std::string s;
  put(s, "g", p.g, 1);
  s += "mb" + std::to_string(p.mb);
  s += "ic" + std::to_string(p.ic);
  s += "ih" + std::to_string(p.ih);
  put(s, "iw", p.iw, p.ih);
  s += "oc" + std::to_string(p.oc);
  s += "kh" + std::to_string(p.kh);
  put(s, "kw", p.kw, p.kh);
  put(s, "sh", p.sh, 1);
  put(s, "sw", p.sw, p.sh);
  if (p.pt == p.pb) {
    put(s, "ph", p.pt, 0);
  } else {
    put(s, "pt", p.pt, 0);
    put(s, "pb", p.pb, 0);
  }
  if (p.pl != p.pt || p.pr != p.pb) {
    if (p.pl == p.pr) {
      s += "pw" + std::to_string(p.pl);
    } else {
      put(s, "pl", p.pl, 0);
      put(s, "pr", p.pr, 0);
    }
  }
  put(s, "dh", p.dh, 0);
  put(s, "dw", p.dw, p.dh);
  if (!p.bias) s += "bias0";
  put_label(s, label);
  return s;
}

std::string format_descriptor(const Pool2dParams& p, std::string_view label) {
  std::string s = std::string(to_string(p.alg)) + ":";
  s += "mb" + std::to_string(p.mb);
  s += "ic" + std::to_string(p.ic);
  s += "ih" + std::to_string(p.ih);
  put(s, "iw", p.iw, p.ih);
  s += "kh" + std::to_string(p.kh);
  put(s, "kw", p.kw, p.kh);
  const bool sh_printed = p.sh != p.kh;
  put(s, "sh", p.sh, p.kh);
  put(s, "sw", p.sw, sh_printed ? p.sh : p.kw);
  put(s, "ph", p.ph, 0);
  put(s, "pw", p.pw, p.ph);
  put(s, "dh", p.dh, 0);
  put(s, "dw", p.dw, p.dh);
  if (p.ceil_mode) s += "ceil1";
  if (p.relu) s += "relu1";
  put(s, "div", p.divisor, 0);
  if (p.indices) s += "idx1";
  put_label(s, label);
  return s;
}

std::string format_descriptor(const Problem& p, std::string_view label) {
  return std::visit([&](const auto& x) { return format_descriptor(x, label); }, p);
}

const char* op_name(const Problem& p) {
  return std::holds_alternative<Conv2dParams>(p) ? "conv2d" : "pool2d";
}

}  // namespace convlab
