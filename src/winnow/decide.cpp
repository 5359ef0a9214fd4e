#include "winnow/decide.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "winnow/error.hpp"
#include "winnow/state_file.hpp"
#include "winnow/stream.hpp"
#include "winnow/writer.hpp"

namespace winnow {
namespace {

constexpr char kStateMagic[8] = {'W', 'I', 'N', 'N', 'O', 'W', 'S', 'T'};
// Version 5: repeated lines per site, in two generations (repeated_lines.hpp).
// Version 4: the size of the names file beside it (doc_names.hpp).
// Version 3: checksums after the headers and at the end (StateWriter), and
// NFKC_Casefold words. Version 2 keyed repeated lines by their words'
// hashes; version 1 hashed their normalised text.
constexpr std::uint32_t kStateVersion = 5;

// The layout after the magic and version, all little-endian (state_file.hpp):
//   the document index            DocumentIndex::Write
//   repeated-line parameters      u32 min_documents, i32 max_words,
//                                 i32 sentence_words, i32 log2_width,
//                                 u32 cross_sites, u32 zero,
//                                 f64 site_share, f64 cross_share
//   counts                        u16 x 4 << log2_width, per generation
//   per generation                u64 documents, u64 heavy[4]
//                                 (documents of both, then heavy of both)
//   u64 total_documents, u64 rotations
//   u64 names file id, u64 names file bytes (doc_names.hpp)
//   u64 checksum of every byte before it

std::string VersionMessage(std::uint32_t version) {
  return "index file format version " + std::to_string(version) + "; this winnow reads version " +
         std::to_string(kStateVersion) +
         " only (the file was made by another winnow: run that winnow on it, or start a new index)";
}

}  // namespace

Decider::Decider(const StreamConfig& config)
    : doc_dedup_(config.doc_dedup),
      repeated_lines_on_(config.repeated_lines),
      drop_empty_(config.drop_empty),
      repeated_(config.lines),
      index_(config.doc) {}

void Decider::Decide(DocFacts& facts, DocDecision* out,
                     const std::function<void(const std::string&)>& warning) {
  out->ordinal = next_ordinal_++;
  out->duplicate = DocVerdict{};
  out->duplicate_id.clear();
  out->duplicate_url.clear();
  out->repeated.clear();
  bool left = facts.kept_uncounted;
  if (repeated_lines_on_ && facts.counted != nullptr) {
    std::vector<RepeatedLines::Line>& counted = *facts.counted;
    repeated_.Judge(facts.site, counted, &out->repeated);
    for (std::size_t k = 0; k < counted.size(); ++k) {
      // Only lines the rules kept are dropped here.
      if (counted[k].rule_dropped) {
        out->repeated[k] = false;
      } else if (!out->repeated[k]) {
        left = true;
      }
    }
    repeated_.AddDocument(facts.site, &counted);
    if (repeated_.at_capacity() && !capacity_said_ && warning) {
      capacity_said_ = true;
      warning("repeated-line counts at capacity after " + std::to_string(repeated_.documents()) +
              " documents (documents with very many distinct lines): lines are not "
              "dropped as repeated until the counts recover");
    }
  } else if (facts.counted != nullptr) {
    for (const RepeatedLines::Line& line : *facts.counted) left = left || !line.rule_dropped;
  }
  if (drop_empty_ && !left) {
    out->empty = true;
    index_.Add(DocSignature{}, out->ordinal);
    return;
  }
  out->empty = false;
  if (!doc_dedup_) return;
  const std::uint64_t full_before = index_.not_indexed();
  const std::uint64_t indexed_before = index_.indexed();
  const bool damaged_before = names_.damaged();
  out->duplicate = index_.Add(*facts.signature, out->ordinal);
  if (keep_names_ && index_.indexed() > indexed_before) names_.Add(out->ordinal, facts.id, facts.url);
  if (keep_names_ && out->duplicate.duplicate) {
    names_.Find(out->duplicate.of, &out->duplicate_id, &out->duplicate_url);
    if (names_.damaged() && !damaged_before && warning) {
      warning((names_.path().empty() ? std::string("names file") : names_.path()) +
              ": names file is damaged (checksum mismatch): the documents it names "
              "are named by their ordinal only");
    }
  }
  if (full_before == 0 && index_.not_indexed() == 1 && warning) {
    warning("index full at " + std::to_string(index_.indexed()) +
            " documents (--max-index-docs): later documents are checked against it "
            "but not added");
  }
}

void Decider::SaveState(const std::string& path) {
  index_.AdvanceTo(next_ordinal_);
  // The names first: the index saved after them is what commits them.
  const std::uint64_t names_bytes = names_.Save(NamesFileFor(path));
  AtomicFile file(path);
  StateWriter out(&file);
  out.Write(kStateMagic, sizeof kStateMagic);
  out.WriteU32(kStateVersion);
  index_.Write(out);
  const RepeatedLinesConfig& c = repeated_.config();
  out.WriteU32(c.min_documents);
  out.WriteU32(static_cast<std::uint32_t>(c.max_words));
  out.WriteU32(static_cast<std::uint32_t>(c.sentence_words));
  out.WriteU32(static_cast<std::uint32_t>(c.log2_width));
  out.WriteU32(c.cross_sites);
  out.WriteU32(0);
  out.WriteF64(c.site_share);
  out.WriteF64(c.cross_share);
  const RepeatedLines::State state = repeated_.state();
  for (const auto& counts : state.counts) out.WriteU16s(counts.data(), counts.size());
  out.WriteU64s(state.documents.data(), 2);
  for (const auto& heavy : state.heavy) out.WriteU64s(heavy.data(), heavy.size());
  out.WriteU64(state.total_documents);
  out.WriteU64(state.rotations);
  out.WriteU64(names_.file_id());
  out.WriteU64(names_bytes);
  out.Checkpoint();
  file.Commit();
}

void Decider::LoadState(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path, std::strerror(errno));
  try {
    StateReader in(fd, path);
    char magic[sizeof kStateMagic];
    in.Read(magic, sizeof magic);
    if (std::memcmp(magic, kStateMagic, sizeof magic) != 0) throw Error(path, "not a winnow index file");
    const std::uint32_t version = in.ReadU32();
    if (version != kStateVersion) throw Error(path, VersionMessage(version));
    // Read into a new index and counts, so that a file refused half-way
    // (its checksum is checked at the end) leaves this processor as it was.
    DocumentIndex index(index_.config());
    index.Read(in);
    const std::uint32_t min_documents = in.ReadU32();
    const auto max_words = static_cast<std::int32_t>(in.ReadU32());
    const auto sentence_words = static_cast<std::int32_t>(in.ReadU32());
    const auto log2_width = static_cast<std::int32_t>(in.ReadU32());
    const std::uint32_t cross_sites = in.ReadU32();
    const std::uint32_t reserved = in.ReadU32();
    const double site_share = in.ReadF64();
    const double cross_share = in.ReadF64();
    const RepeatedLinesConfig& c = repeated_.config();
    // Name the parameter that differs, as the run's option.
    auto differs = [&](const char* what, long long file, long long run) {
      if (file != run) {
        throw Error(path, std::string("index was made with other repeated-line parameters (") + what + " " +
                              std::to_string(file) + ", this run uses " + std::to_string(run) + ")");
      }
    };
    differs("--repeat-documents", min_documents, c.min_documents);
    differs("--repeat-max-words", max_words, c.max_words);
    differs("sentence words", sentence_words, c.sentence_words);
    differs("count-min width (log2)", log2_width, c.log2_width);
    differs("sites for a line everywhere", cross_sites, c.cross_sites);
    if (site_share != c.site_share || cross_share != c.cross_share || reserved != 0) {
      throw Error(path, "index was made with other repeated-line parameters (shares)");
    }
    RepeatedLines::State state = repeated_.state();
    for (auto& counts : state.counts) in.ReadU16s(counts.data(), counts.size());
    in.ReadU64s(state.documents.data(), 2);
    for (auto& heavy : state.heavy) in.ReadU64s(heavy.data(), heavy.size());
    state.total_documents = in.ReadU64();
    state.rotations = in.ReadU64();
    const std::uint64_t names_id = in.ReadU64();
    const std::uint64_t names_bytes = in.ReadU64();
    in.Checkpoint();
    in.ExpectEnd();
    // Checked (the bound depends on the heavy counts) before anything changes.
    RepeatedLines repeated(repeated_.config());
    try {
      repeated.set_state(std::move(state));
    } catch (const Error& e) {
      throw Error(path, std::string("index file is corrupt (") + e.what() + ")");
    }
    const std::string names_path = NamesFileFor(path);
    try {
      names_.Open(names_path, names_id, names_bytes);
    } catch (const Error& e) {
      // Names only name: the index is whole without them. A new names file
      // takes this run's; earlier documents are named by ordinal.
      names_.Open(names_path, 0, 0);
      names_warning_ = std::string(e.what()) +
                       ": documents of earlier runs are named by their ordinal only";
    }
    index_.Swap(index);
    next_ordinal_ = index_.next_ordinal();
    repeated_ = std::move(repeated);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

}  // namespace winnow
