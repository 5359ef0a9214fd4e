// StreamProcessor::LoadState (stream.hpp) on arbitrary file contents.
//
// Run with -rss_limit_mb=2048 (run_fuzzers.sh does): a count read from the
// file must never become an allocation larger than the file.
// Invariants:
//  - LoadState either loads or throws winnow::Error naming the file (whose
//    names file, INDEX.names, is missing: the load starts a new one);
//  - read through a FIFO, where no file size bounds the counts in it, the
//    same bytes give the same verdict (and memory only for the data that
//    arrives);
//  - a file that loads is saved back byte for byte by SaveState (nothing
//    in it is ignored or silently repaired), but for the new names file's
//    id and size and the checksum after them;
//  - a loaded index then works: a small stream runs through it without
//    error, and its documents are numbered after the loaded ordinals.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "fuzz_util.hpp"
#include "winnow/error.hpp"
#include "winnow/reader.hpp"
#include "winnow/records.hpp"
#include "winnow/rules.hpp"
#include "winnow/stream.hpp"

namespace {

// A directory for SaveState's files, on tmpfs when there is one (SaveState
// syncs), removed at exit.
const std::string& TempDir() {
  static const std::string* dir = [] {
    std::string base = ::access("/dev/shm", W_OK) == 0
                           ? "/dev/shm"
                           : std::filesystem::temp_directory_path().string();
    std::string path = base + "/winnow-fuzz-index.XXXXXX";
    FUZZ_CHECK(::mkdtemp(path.data()) != nullptr);
    std::atexit([] { std::filesystem::remove_all(TempDir()); });
    return new std::string(path);
  }();
  return *dir;
}

// Loads `data` into `processor` through a FIFO; returns the error message,
// or "" when it loads.
std::string LoadThroughFifo(winnow::StreamProcessor* processor, std::string_view data) {
  static const std::string* fifo = [] {
    std::signal(SIGPIPE, SIG_IGN);  // the reader may stop early
    auto* path = new std::string(TempDir() + "/fifo");
    FUZZ_CHECK(::mkfifo(path->c_str(), 0600) == 0);
    return path;
  }();
  // libFuzzer's SIGALRM (its -timeout clock) may interrupt LoadState's
  // blocking open() of the FIFO, which then fails with EINTR: try again.
  // The writer waits for the reader without blocking, so that it never
  // waits for an open() that failed.
  const std::string interrupted = std::strerror(EINTR);
  for (;;) {
    std::atomic<bool> done{false};
    std::thread writer([data, &done] {
      int fd;
      while ((fd = ::open(fifo->c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
        FUZZ_CHECK(errno == ENXIO || errno == EINTR);  // ENXIO: no reader yet
        if (done) return;
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
      FUZZ_CHECK(::fcntl(fd, F_SETFL, 0) == 0);  // blocking writes
      std::string_view rest = data;
      while (!rest.empty()) {
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // EPIPE: the reader stopped
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
      ::close(fd);
    });
    std::string error;
    try {
      processor->LoadState(*fifo);
    } catch (const winnow::Error& e) {
      FUZZ_CHECK(e.where() == *fifo);
      error = e.message();
      FUZZ_CHECK(!error.empty());
    }
    done = true;
    writer.join();
    if (error != interrupted) return error;
  }
}

std::string ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  FUZZ_CHECK(f != nullptr);
  std::string bytes;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) bytes.append(buffer, n);
  std::fclose(f);
  return bytes;
}

constexpr std::string_view kStream =
    "{\"id\": 1, \"text\": \"Councillors said the plan would protect the library and the pool.\\n"
    "Main menu\"}\n"
    "{\"id\": 2, \"text\": \"Councillors said the plan would protect the library and the pool.\\n"
    "Main menu\"}\n"
    "not json\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A real file in a directory of its own, not a memory file: an index
  // keeps its documents' names in INDEX.names beside it, which a load
  // whose names file is missing creates. Each input starts without one.
  const std::string path = TempDir() + "/input";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    FUZZ_CHECK(f != nullptr);
    FUZZ_CHECK(size == 0 || std::fwrite(data, 1, size, f) == size);
    std::fclose(f);
  }
  for (const char* names : {"/input.names", "/fifo.names", "/index.names"}) {
    ::unlink((TempDir() + names).c_str());
  }
  const winnow::StreamConfig config = winnow::fuzz::IndexFuzzConfig();
  const winnow::FilterConfig filter;
  // Built once (building one computes LSH parameters): a load replaces all
  // the state that SaveState writes, whatever the processor held before.
  static winnow::StreamProcessor* processor =
      new winnow::StreamProcessor(&winnow::fuzz::DefaultRules(), filter, config);
  std::string error;
  try {
    processor->LoadState(path);
  } catch (const winnow::Error& e) {
    if (e.where() != path) std::fprintf(stderr, "where \"%s\": %s\n", e.where().c_str(), e.message().c_str());
    FUZZ_CHECK(e.where() == path);
    error = e.message();
    FUZZ_CHECK(!error.empty());
  }
  static winnow::StreamProcessor* piped =
      new winnow::StreamProcessor(&winnow::fuzz::DefaultRules(), filter, config);
  const std::string pipe_error =
      LoadThroughFifo(piped, std::string_view(reinterpret_cast<const char*>(data), size));
  if (pipe_error != error) {
    std::fprintf(stderr, "file: '%s', FIFO: '%s'\n", error.c_str(), pipe_error.c_str());
    FUZZ_CHECK(pipe_error == error);
  }
  if (!error.empty()) return 0;

  const std::string saved = TempDir() + "/index";
  processor->SaveState(saved);
  // Byte for byte but for the end: the names file's id and size, and the
  // checksum after them (the input's names file was not there: a new one
  // was started).
  const std::string saved_bytes = ReadFile(saved);
  constexpr std::size_t kNamesTail = 3 * sizeof(std::uint64_t);
  FUZZ_CHECK(saved_bytes.size() == size && size >= kNamesTail);
  FUZZ_CHECK(std::string_view(saved_bytes).substr(0, size - kNamesTail) ==
             std::string_view(reinterpret_cast<const char*>(data), size - kNamesTail));

  // A stream through the loaded index.
  const std::uint64_t first = processor->index().next_ordinal();
  const winnow::StreamStats before = processor->stats();
  const winnow::fuzz::MemFile stream(kStream);
  winnow::RecordReader reader(stream.fd(), "stream", winnow::Format::kJsonl, config.fields);
  winnow::StreamSinks sinks;
  std::string warnings;
  sinks.warning = [&](const std::string& message) { warnings += message; };
  try {
    processor->Run(reader, "stream", sinks);
    FUZZ_CHECK(false);  // the third record is malformed
  } catch (const winnow::Error& e) {
    FUZZ_CHECK(e.message().find("record 3") != std::string::npos);
  }
  FUZZ_CHECK(processor->stats().records - before.records == 3);
  FUZZ_CHECK(processor->stats().documents_in - before.documents_in == 2);
  FUZZ_CHECK(first > UINT64_MAX - 3 || processor->index().next_ordinal() >= first + 2);
  return 0;
}
