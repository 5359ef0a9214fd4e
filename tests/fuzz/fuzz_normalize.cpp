// Normalize, DecodeUtf8 and AppendUtf8 (normalize.hpp) on arbitrary bytes.
//
// Invariants:
//  - DecodeUtf8 always advances, never past the end: over a character
//    that an independent RFC 3629 validator accepts, by its length,
//    returning the code point whose AppendUtf8 encoding is those bytes;
//    elsewhere by one byte, returning U+FFFD;
//  - Normalize's text is valid UTF-8, its words are non-empty, hold no
//    space, are in order and separated by exactly one space, with nothing
//    before the first or after the last; the only ASCII bytes in it are
//    a-z, 0-9 and those spaces (case folded, punctuation gone);
//    cjk_words <= the number of words;
//  - Normalize is a fixed point on its own output (normalising the
//    normalised text changes nothing);
//  - reusing a Normalized (capacity reuse) gives what a fresh one gives.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "winnow/normalize.hpp"

namespace {

using winnow::Normalized;

void CheckNormalized(const Normalized& n) {
  FUZZ_CHECK(winnow::fuzz::IsValidUtf8(n.text));
  FUZZ_CHECK(n.cjk_words <= n.words.size());
  std::size_t expected_begin = 0;
  for (std::size_t i = 0; i < n.words.size(); ++i) {
    const Normalized::Word& w = n.words[i];
    FUZZ_CHECK(w.size > 0);
    FUZZ_CHECK(w.begin == expected_begin);
    FUZZ_CHECK(std::size_t{w.begin} + w.size <= n.text.size());
    FUZZ_CHECK(n.word(i).find(' ') == std::string_view::npos);
    expected_begin = std::size_t{w.begin} + w.size;
    if (i + 1 < n.words.size()) {
      FUZZ_CHECK(expected_begin < n.text.size() && n.text[expected_begin] == ' ');
      ++expected_begin;
    }
  }
  FUZZ_CHECK(expected_begin == n.text.size());
  for (char c : n.text) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x80) continue;
    FUZZ_CHECK((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == ' ');
  }
}

bool SameWords(const Normalized& a, const Normalized& b) {
  if (a.text != b.text || a.words.size() != b.words.size() || a.cjk_words != b.cjk_words) {
    return false;
  }
  for (std::size_t i = 0; i < a.words.size(); ++i) {
    if (a.words[i].begin != b.words[i].begin || a.words[i].size != b.words[i].size) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::size_t pos = 0;
  bool all_valid = true;
  std::string encoded;
  while (pos < input.size()) {
    const std::size_t before = pos;
    const char32_t c = winnow::DecodeUtf8(input, &pos);
    FUZZ_CHECK(pos > before && pos <= input.size());
    // The validator's view: the shortest valid prefix here is the first
    // character; there is none when the bytes here start no character.
    std::size_t valid = 0;
    for (std::size_t n = 1; n <= 4 && before + n <= input.size() && valid == 0; ++n) {
      if (winnow::fuzz::IsValidUtf8(input.substr(before, n))) valid = n;
    }
    if (valid == 0) {
      FUZZ_CHECK(pos - before == 1 && c == 0xFFFD);
      all_valid = false;
    } else {
      FUZZ_CHECK(pos - before == valid);
      encoded.clear();
      winnow::AppendUtf8(c, &encoded);
      FUZZ_CHECK(encoded == input.substr(before, valid));
    }
  }
  FUZZ_CHECK(all_valid == winnow::fuzz::IsValidUtf8(input));

  Normalized n;
  winnow::Normalize(input, &n);
  CheckNormalized(n);

  Normalized again;
  winnow::Normalize(n.text, &again);
  FUZZ_CHECK(SameWords(n, again));

  // Reuse: normalise the second half into the object that holds the first
  // half's result, and compare with a fresh object.
  const std::string_view half = input.substr(input.size() / 2);
  Normalized fresh;
  winnow::Normalize(half, &fresh);
  winnow::Normalize(half, &n);
  FUZZ_CHECK(SameWords(n, fresh));
  return 0;
}
