// winnow._winnow: the Python binding of winnow's library (pybind11).
//
// Options come in as keyword arguments with the command line's names
// (underscores for dashes) and go through the library's option table, so
// their defaults, ranges and messages are the command line's. The GIL is
// released while C++ works; Python objects are only touched with it held.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "winnow/document.hpp"
#include "winnow/error.hpp"
#include "winnow/filter.hpp"
#include "winnow/options.hpp"
#include "winnow/records.hpp"
#include "winnow/rules.hpp"
#include "winnow/state_file.hpp"
#include "winnow/stream.hpp"
#include "winnow/writer.hpp"

namespace py = pybind11;

namespace winnow::python {
namespace {

PyObject* g_error = nullptr;         // winnow.Error
PyObject* g_option_error = nullptr;  // winnow.OptionError (also a ValueError)

// Options: keyword arguments through the option table.

// What a front end accepts: the Cleaner takes options of every scope but
// the command line's and the streams'; Stream takes stream options too.
enum class FrontEnd { kCleaner, kStream };

[[noreturn]] void BadOption(const std::string& where, const std::string& what) {
  throw OptionError(where, what);
}

bool IsText(py::handle h) { return py::isinstance<py::str>(h); }

std::string TextOf(const OptionSpec& spec, py::handle value) {
  if (IsText(value)) return value.cast<std::string>();
  // Paths: os.PathLike.
  if (py::hasattr(value, "__fspath__")) {
    py::object path = value.attr("__fspath__")();
    if (IsText(path)) return path.cast<std::string>();
  }
  BadOption(OptionFlag(spec), "expected a string, not " +
                                  std::string(py::str(value.get_type().attr("__name__"))));
}

// Sets one option from a Python value (a flag set to False stays off).
void SetFromPython(Options* options, const OptionSpec& spec, py::handle value) {
  const std::string flag = OptionFlag(spec);
  const std::string type = py::str(value.get_type().attr("__name__"));
  switch (spec.kind) {
    case OptionKind::kFlag:
      if (!py::isinstance<py::bool_>(value)) BadOption(flag, "expected True or False, not " + type);
      if (value.cast<bool>()) spec.set(options, "");
      return;
    case OptionKind::kBool:
      if (py::isinstance<py::bool_>(value)) {
        spec.set(options, value.cast<bool>() ? "true" : "false");
      } else if (IsText(value)) {
        spec.set(options, value.cast<std::string>());
      } else {
        BadOption(flag, "expected True or False, not " + type);
      }
      return;
    case OptionKind::kInteger:
    case OptionKind::kReal:
      if (py::isinstance<py::bool_>(value)) BadOption(flag, "expected a number, not bool");
      if (py::isinstance<py::int_>(value) || IsText(value) ||
          (spec.kind == OptionKind::kReal && py::isinstance<py::float_>(value))) {
        // repr() of a float reads back as the same double.
        spec.set(options, IsText(value) ? value.cast<std::string>()
                                        : py::repr(value).cast<std::string>());
        return;
      }
      BadOption(flag, std::string(spec.kind == OptionKind::kInteger ? "expected an integer, not "
                                                                    : "expected a number, not ") +
                          type);
    case OptionKind::kText:
      spec.set(options, TextOf(spec, value));
      return;
    case OptionKind::kList:
      if (IsText(value) || py::hasattr(value, "__fspath__")) {
        spec.set(options, TextOf(spec, value));
      } else if (py::isinstance<py::sequence>(value)) {
        for (py::handle item : value) spec.set(options, TextOf(spec, item));
      } else {
        BadOption(flag, "expected a string or a list of strings, not " + type);
      }
      return;
  }
}

Options OptionsFrom(const py::dict& kwargs, FrontEnd front_end) {
  Options options;
  // A Stream's records are in memory; NUL is the format whose records are
  // nothing but their text.
  if (front_end == FrontEnd::kStream) options.stream.format = Format::kNul;
  for (auto [key, value] : kwargs) {
    const std::string name = key.cast<std::string>();
    std::string dashed = name;
    for (char& c : dashed) c = c == '_' ? '-' : c;
    const OptionSpec* spec = dashed.size() > 1 ? FindOption(dashed) : nullptr;
    if (spec == nullptr) {
      BadOption("", "unknown option '" + name + "' (winnow.options() lists them)");
    }
    if (spec->scope == OptionScope::kCommandLine) {
      BadOption(OptionFlag(*spec), "an option of the command line only");
    }
    if (spec->scope == OptionScope::kStream && front_end != FrontEnd::kStream) {
      BadOption(OptionFlag(*spec), "works on document streams: use winnow.Stream");
    }
    SetFromPython(&options, *spec, value);
  }
  FinishOptions(&options);
  // Every result carries its explanation: the line model's notes too.
  options.filter.lines.explain = true;
  return options;
}

// Results.

struct PyDrop {
  std::uint32_t line;   // 1-based, first dropped line
  std::uint32_t lines;  // how many
  std::string reason;
  std::optional<std::uint32_t> of_line;  // dedup: the earlier paragraph's first line
  std::optional<double> similarity;      // dedup: Jaccard or containment
  std::string text;                      // the dropped lines, terminators included
  bool is_bytes = false;                 // text goes back as bytes (the input was bytes)
};

// Text that may hold any bytes, as str: invalid UTF-8 as surrogate escapes,
// so .encode("utf-8", "surrogateescape") gives the bytes back.
py::str Str(const std::string& bytes) {
  return py::reinterpret_steal<py::str>(PyUnicode_DecodeUTF8(
      bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "surrogateescape"));
}

std::vector<PyDrop> DropsOf(const Document& doc, const FilterResult& result, bool is_bytes) {
  std::vector<PyDrop> drops;
  drops.reserve(result.drops.size());
  for (const Drop& d : result.drops) {
    PyDrop p{d.line, d.lines, std::string(d.reason), std::nullopt, std::nullopt, {}, is_bytes};
    if (d.of_line != 0) {
      p.of_line = d.of_line;
      p.similarity = d.similarity;
    }
    // Lines are numbered from 1 in order, so line N is doc.lines[N - 1].
    for (std::uint32_t i = d.line - 1; i < d.line - 1 + d.lines && i < doc.lines.size(); ++i) {
      p.text.append(doc.lines[i].text);
      p.text.append(doc.lines[i].eol);
    }
    drops.push_back(std::move(p));
  }
  return drops;
}

// Text in: str (UTF-8) or bytes; the same type out.
struct Input {
  std::string bytes;
  bool is_bytes = false;
};

// A str's bytes: UTF-8, with lone surrogates ("surrogateescape", as
// open(..., errors="surrogateescape") reads bytes that are not UTF-8) turned
// back into the bytes they stand for, so such text comes out as it went in.
std::string Utf8Of(py::handle text) {
  PyObject* bytes = PyUnicode_AsEncodedString(text.ptr(), "utf-8", "surrogateescape");
  if (bytes == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::bytes>(bytes).cast<std::string>();
}

Input InputOf(py::handle text) {
  if (py::isinstance<py::bytes>(text)) return {text.cast<std::string>(), true};
  if (IsText(text)) return {Utf8Of(text), false};
  throw py::type_error("expected str or bytes, not " +
                       std::string(py::str(text.get_type().attr("__name__"))));
}

py::object Output(const std::string& bytes, bool as_bytes) {
  if (as_bytes) return py::bytes(bytes);
  // Whole lines of valid UTF-8 are valid UTF-8.
  return Str(bytes);
}

struct PyResult {
  py::object text;
  std::vector<PyDrop> drops;
  bool analysed;
  std::string explanation;  // --explain's lines, WHERE being "-"
  std::uint64_t lines_in, lines_out;
};

// Both front ends run their documents through the library's pipeline
// (StreamProcessor, stream.hpp), the one every format of the command line
// runs through: its threads, batches and phases.

// A record for the pipeline, made from a Python value with the GIL held.
struct In {
  py::object object;  // as given (Stream); empty for a Cleaner's documents
  Input input;
  bool has_text = true;
  std::string id, url;  // as a JSONL record's: the id as JSON, the url's string
};

// What the pipeline did with one record.
struct Out {
  std::uint64_t ordinal = 0;
  bool keep = true;
  std::string reason;
  DocVerdict dup;
  std::string dup_id, dup_url;
  bool analysed = false;  // false: passed through (no text, or over max_document_bytes)
  std::string text;       // analysed: the kept text
  std::vector<PyDrop> drops;
  std::string explanation;  // with `explain`: --explain's lines, WHERE being "-"
  std::uint64_t lines_in = 0, lines_out = 0;  // non-blank lines in and kept
};

// Runs `ins` through `processor` as the next records of its stream
// (numbered on from `*numbered`), taking their texts; returns one Out per
// record, in order. Called with the GIL released: it touches no Python
// object.
std::vector<Out> RunRecords(StreamProcessor& processor, std::vector<In>& ins,
                            std::size_t max_document_bytes, bool explain,
                            std::uint64_t* numbered) {
  std::vector<Out> outs(ins.size());
  const std::uint64_t first = *numbered + 1;
  std::size_t next = 0;
  std::uint64_t bytes = 0;
  auto source = [&](Record* r) {
    if (next == ins.size()) return false;
    In& in = ins[next++];
    *r = Record{};
    r->number = ++*numbered;
    r->has_text = in.has_text;
    r->id = std::move(in.id);
    r->url = std::move(in.url);
    if (in.has_text && in.input.bytes.size() > max_document_bytes) {
      r->has_text = false;  // passed through unanalysed, as the command line does
      r->oversized = true;
    } else if (in.has_text) {
      r->text = std::move(in.input.bytes);
    }
    bytes += r->text.size();
    return true;
  };
  StreamSinks sinks;
  // The callers take texts from the decisions, not the output: with no
  // output sink and one record per call, nothing is copied for it.
  sinks.output_each_record = true;
  sinks.decision = [&](const StreamDecision& d) {
    const std::size_t index = static_cast<std::size_t>(d.record->number - first);
    Out& o = outs[index];
    o.ordinal = d.ordinal;
    o.keep = d.keep;
    o.reason.assign(d.reason);
    o.dup = d.duplicate;
    o.dup_id.assign(d.duplicate_id);
    o.dup_url.assign(d.duplicate_url);
    if (d.doc == nullptr) return;
    o.analysed = true;
    o.text.assign(d.text);
    o.drops = DropsOf(*d.doc, *d.lines, ins[index].input.is_bytes);
    if (explain) AppendExplanation("-", *d.doc, *d.lines, &o.explanation);
    for (std::size_t i = 0; i < d.doc->lines.size(); ++i) {
      if (d.doc->lines[i].blank) continue;
      ++o.lines_in;
      if (d.lines->keep[i]) ++o.lines_out;
    }
  };
  processor.Run(source, [&] { return bytes; }, "<records>", sinks);
  return outs;
}

// Cleaner: the core filter over documents, on N threads: the pipeline in
// text mode, where every record is a document of its own.

class Cleaner {
 public:
  explicit Cleaner(const py::dict& kwargs)
      : kwargs_(py::dict(kwargs)), options_(OptionsFrom(kwargs, FrontEnd::kCleaner)) {
    py::gil_scoped_release release;  // rules files are read and compiled
    LoadRules(&options_, &rules_);
    options_.stream.format = Format::kText;
    processor_ = std::make_unique<StreamProcessor>(&rules_, options_.filter, options_.stream);
  }

  // The options it was made with: pickling a Cleaner sends these, and the
  // receiving process compiles its own rules (rules files are read there).
  const py::dict& kwargs() const { return kwargs_; }

  PyResult Clean(py::handle text) {
    std::vector<In> ins(1);
    ins[0].input = InputOf(text);
    return ResultOf(ins[0], Run(ins)[0]);
  }

  std::vector<PyResult> CleanBatch(py::iterable texts) {
    std::vector<PyResult> results;
    std::vector<In> ins;
    py::iterator it = py::iter(texts);
    // Chunks bound the copies held at once and let Ctrl-C in between; each
    // is a few of the pipeline's batches.
    const std::size_t chunk = std::max<std::size_t>(options_.stream.batch, 1) * 4;
    while (it != py::iterator::sentinel()) {
      ins.clear();
      for (; it != py::iterator::sentinel() && ins.size() < chunk; ++it) {
        ins.emplace_back();
        ins.back().input = InputOf(*it);
      }
      std::vector<Out> outs = Run(ins);
      for (std::size_t i = 0; i < ins.size(); ++i) results.push_back(ResultOf(ins[i], outs[i]));
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
    return results;
  }

  int threads() const { return options_.stream.threads; }

 private:
  std::vector<Out> Run(std::vector<In>& ins) {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    return RunRecords(*processor_, ins, options_.max_document_bytes, /*explain=*/true, &numbered_);
  }

  // A document over max_document_bytes comes back as it went in (its bytes
  // are still in `in`: the pipeline took only the others').
  static PyResult ResultOf(In& in, Out& out) {
    if (!out.analysed) out.text = std::move(in.input.bytes);
    return PyResult{Output(out.text, in.input.is_bytes), std::move(out.drops), out.analysed,
                    std::move(out.explanation), out.lines_in, out.lines_out};
  }

  py::dict kwargs_;
  Options options_;
  RuleSet rules_;
  std::unique_ptr<StreamProcessor> processor_;
  std::uint64_t numbered_ = 0;  // documents given to the processor so far
  std::mutex mutex_;  // one call at a time runs the processor
};

// Stream: the stream stages (repeated lines, near-duplicate documents) over
// records given by Python.

struct PyDecision {
  py::object record;
  std::uint64_t ordinal;
  bool keep;
  std::optional<std::string> reason;
  std::optional<std::uint64_t> duplicate_of;
  std::optional<std::string> duplicate_of_id;   // the kept record's id (JSON text), if it had one
  std::optional<std::string> duplicate_of_url;  // ... and its url
  std::optional<double> similarity;
  py::object text;  // the kept text; the input for records not analysed; None without text
  std::vector<PyDrop> drops;
  bool analysed;
};

class Stream {
 public:
  explicit Stream(const py::dict& kwargs) : options_(OptionsFrom(kwargs, FrontEnd::kStream)) {
    py::gil_scoped_release release;  // rules compiled, the index locked and read
    LoadRules(&options_, &rules_);
    processor_ = std::make_unique<StreamProcessor>(&rules_, options_.filter, options_.stream);
    if (!options_.index_file.empty()) {
      // Held until close(), as the command line holds it for its run.
      lock_ = std::make_unique<StateLock>(options_.index_file, options_.index_wait);
      struct stat st;
      if (::stat(options_.index_file.c_str(), &st) == 0) processor_->LoadState(options_.index_file);
    }
  }

  // Releases the index lock; the Stream takes no more records.
  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    lock_.reset();
    closed_ = true;
  }

  std::vector<PyDecision> Process(py::iterable records) {
    std::vector<In> ins;
    const std::string& field = options_.stream.fields.text;
    const JsonlFields& fields = options_.stream.fields;
    py::object dumps = py::module_::import("json").attr("dumps");
    for (py::handle h : records) {
      In in{py::reinterpret_borrow<py::object>(h), {}, true, {}, {}};
      if (py::isinstance<py::dict>(h)) {
        py::dict d = py::reinterpret_borrow<py::dict>(h);
        if (d.contains(fields.id.c_str())) {
          in.id = dumps(d[fields.id.c_str()], py::arg("ensure_ascii") = false,
                        py::arg("default") = py::module_::import("builtins").attr("str"))
                      .cast<std::string>();
        }
        if (d.contains(fields.url.c_str()) && IsText(d[fields.url.c_str()])) {
          in.url = d[fields.url.c_str()].cast<std::string>();
        }
        if (!d.contains(field.c_str())) {
          in.has_text = false;  // passed through, as a JSONL line without the field
        } else {
          py::object v = d[field.c_str()];
          if (!IsText(v) && !py::isinstance<py::bytes>(v)) {
            throw py::type_error("record field '" + field + "' must be str or bytes, not " +
                                 std::string(py::str(v.get_type().attr("__name__"))));
          }
          in.input = InputOf(v);
        }
      } else {
        in.input = InputOf(h);
      }
      ins.push_back(std::move(in));
    }

    std::vector<Out> outs;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_) throw Error("", "the stream is closed");
      outs = RunRecords(*processor_, ins, options_.max_document_bytes, /*explain=*/false,
                        &numbered_);
    }
    std::vector<PyDecision> decisions;
    decisions.reserve(outs.size());
    for (std::size_t i = 0; i < outs.size(); ++i) {
      Out& o = outs[i];
      In& in = ins[i];
      PyDecision d{in.object, o.ordinal, o.keep, std::nullopt, std::nullopt, std::nullopt,
                   std::nullopt, std::nullopt, py::none(), std::move(o.drops), o.analysed};
      if (!o.reason.empty()) d.reason = o.reason;
      if (o.dup.duplicate) {
        d.duplicate_of = o.dup.of;
        if (!o.dup_id.empty()) d.duplicate_of_id = std::move(o.dup_id);
        if (!o.dup_url.empty()) d.duplicate_of_url = std::move(o.dup_url);
        d.similarity = o.dup.similarity;
      }
      if (o.analysed) {
        d.text = Output(o.text, in.input.is_bytes);
      } else if (in.has_text) {
        d.text = in.input.is_bytes ? py::object(py::bytes(in.input.bytes))
                                   : py::reinterpret_borrow<py::object>(
                                         py::isinstance<py::dict>(in.object)
                                             ? in.object[options_.stream.fields.text.c_str()]
                                             : in.object);
      }
      decisions.push_back(std::move(d));
    }
    return decisions;
  }

  void Save(py::object path) {
    const std::string target = path.is_none()
                                   ? options_.index_file
                                   : py::module_::import("os").attr("fspath")(path).cast<std::string>();
    if (target.empty()) throw OptionError("--index", "no index file: give save() a path");
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) throw Error("", "the stream is closed");
    // Another file than its own index is locked for the save.
    std::unique_ptr<StateLock> other;
    if (target != options_.index_file) other = std::make_unique<StateLock>(target, false);
    processor_->SaveState(target);
  }

  py::dict Stats() {
    const StreamStats& s = processor_->stats();
    py::dict d;
    d["records"] = s.records;
    d["documents_in"] = s.documents_in;
    d["documents_out"] = s.documents_out;
    d["passed_through"] = s.passed_through;
    d["too_large"] = s.too_large;
    py::dict dropped;
    for (const auto& [reason, count] : s.dropped_documents) dropped[py::str(reason)] = count;
    d["dropped_documents"] = dropped;
    d["lines_in"] = s.lines.lines_in;
    d["lines_out"] = s.lines.lines_out;
    py::dict lines;
    for (const auto& [reason, count] : s.lines.dropped_lines) lines[py::str(reason)] = count;
    d["dropped_lines"] = lines;
    d["indexed_documents"] = processor_->index().indexed();
    return d;
  }

  std::string index_file() const { return options_.index_file; }

 private:
  Options options_;
  RuleSet rules_;
  std::unique_ptr<StreamProcessor> processor_;
  std::unique_ptr<StateLock> lock_;  // on options_.index_file, until Close()
  bool closed_ = false;
  std::uint64_t numbered_ = 0;
  std::mutex mutex_;
};

const char* KindName(OptionKind kind) {
  switch (kind) {
    case OptionKind::kFlag: return "flag";
    case OptionKind::kBool: return "bool";
    case OptionKind::kInteger: return "int";
    case OptionKind::kReal: return "float";
    case OptionKind::kText: return "str";
    case OptionKind::kList: return "list";
  }
  return "";
}

const char* ScopeName(OptionScope scope) {
  switch (scope) {
    case OptionScope::kAll: return "all";
    case OptionScope::kStream: return "stream";
    case OptionScope::kCommandLine: return "command-line";
  }
  return "";
}

void Raise(PyObject* type, const Error& e) {
  py::object exc = py::reinterpret_borrow<py::object>(type)(py::str(e.what()));
  exc.attr("where") = e.where();
  exc.attr("message") = e.message();
  PyErr_SetObject(type, exc.ptr());
}

}  // namespace
}  // namespace winnow::python

PYBIND11_MODULE(_winnow, m) {
  using namespace winnow::python;
  m.doc() = "winnow's C++ library: boilerplate and near-duplicate removal (see winnow/__init__.py)";

  g_error = PyErr_NewExceptionWithDoc(
      "winnow.Error", "A failure reported by winnow: .where says where, .message what.",
      PyExc_Exception, nullptr);
  py::tuple bases = py::make_tuple(py::handle(g_error), py::handle(PyExc_ValueError));
  g_option_error = PyErr_NewExceptionWithDoc(
      "winnow.OptionError", "A bad option: unknown, out of range, or not for this use.",
      bases.ptr(), nullptr);
  m.add_object("Error", py::handle(g_error));
  m.add_object("OptionError", py::handle(g_option_error));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const winnow::OptionError& e) {
      Raise(g_option_error, e);
    } catch (const winnow::Error& e) {
      Raise(g_error, e);
    }
  });

  py::class_<PyDrop>(m, "Drop", "Lines one decision dropped.")
      .def_readonly("line", &PyDrop::line, "1-based number of the first dropped line")
      .def_readonly("lines", &PyDrop::lines, "how many lines it dropped")
      .def_readonly("reason", &PyDrop::reason,
                    "a rule's name, or near-duplicate, restates, restated, repeated-line")
      .def_readonly("of_line", &PyDrop::of_line,
                    "paragraph dedup: first line of the earlier paragraph (else None)")
      .def_readonly("similarity", &PyDrop::similarity,
                    "paragraph dedup: exact Jaccard or containment (else None)")
      .def_property_readonly(
          "text",
          [](const PyDrop& d) -> py::object {
            if (d.is_bytes) return py::bytes(d.text);
            return Str(d.text);
          },
          "the dropped lines, with their line ends (str or bytes, as the input)")
      .def(py::pickle(
          [](const PyDrop& d) {
            return py::make_tuple(d.line, d.lines, d.reason, d.of_line, d.similarity,
                                  py::bytes(d.text), d.is_bytes);
          },
          [](const py::tuple& t) {
            return PyDrop{t[0].cast<std::uint32_t>(), t[1].cast<std::uint32_t>(),
                          t[2].cast<std::string>(), t[3].cast<std::optional<std::uint32_t>>(),
                          t[4].cast<std::optional<double>>(), t[5].cast<std::string>(),
                          t[6].cast<bool>()};
          }))
      .def("__repr__", [](const PyDrop& d) {
        std::string s = "Drop(line=" + std::to_string(d.line) + ", lines=" +
                        std::to_string(d.lines) + ", reason='" + d.reason + "'";
        if (d.of_line) s += ", of_line=" + std::to_string(*d.of_line);
        return s + ")";
      });

  py::class_<PyResult>(m, "Result", "A cleaned document.")
      .def_readonly("text", &PyResult::text, "the kept lines, byte for byte (str or bytes, as given)")
      .def_readonly("drops", &PyResult::drops, "the drop decisions, in line order")
      .def_readonly("analysed", &PyResult::analysed,
                    "False for a document over max_document_bytes, passed through unanalysed")
      .def_readonly("lines_in", &PyResult::lines_in, "non-blank lines in")
      .def_readonly("lines_out", &PyResult::lines_out, "non-blank lines kept")
      .def("__repr__",
           [](const PyResult& r) {
             return "Result(lines_in=" + std::to_string(r.lines_in) + ", lines_out=" +
                    std::to_string(r.lines_out) + ", drops=" + std::to_string(r.drops.size()) +
                    (r.analysed ? "" : ", analysed=False") + ")";
           })
      .def(py::pickle(
          [](const PyResult& r) {
            return py::make_tuple(r.text, r.drops, r.analysed, py::bytes(r.explanation),
                                  r.lines_in, r.lines_out);
          },
          [](const py::tuple& t) {
            return PyResult{t[0], t[1].cast<std::vector<PyDrop>>(), t[2].cast<bool>(),
                            t[3].cast<std::string>(), t[4].cast<std::uint64_t>(),
                            t[5].cast<std::uint64_t>()};
          }))
      .def(
          "explain",
          [](const PyResult& r, const std::string& where) -> py::str {
            // AppendExplanation wrote "-" as WHERE; each line starts with it.
            if (where == "-") return Str(r.explanation);
            std::string out;
            std::size_t start = 0;
            while (start < r.explanation.size()) {
              std::size_t end = r.explanation.find('\n', start);
              if (end == std::string::npos) end = r.explanation.size() - 1;
              out += where;
              out.append(r.explanation, start + 1, end + 1 - (start + 1));
              start = end + 1;
            }
            return Str(out);
          },
          py::arg("where") = "-",
          "the lines winnow --explain prints for this document (bytes that are not UTF-8 as "
          "surrogate escapes)");

  py::class_<PyDecision>(m, "Decision", "What a Stream did with one record.")
      .def_readonly("record", &PyDecision::record, "the record as given")
      .def_readonly("ordinal", &PyDecision::ordinal,
                    "its position in the stream, counting earlier runs on the same index")
      .def_readonly("keep", &PyDecision::keep, "whether it is kept")
      .def_readonly("reason", &PyDecision::reason,
                    "why it was dropped (empty, near-duplicate-document), else None")
      .def_readonly("duplicate_of", &PyDecision::duplicate_of,
                    "near-duplicate-document: the ordinal of the kept record")
      .def_readonly("duplicate_of_id", &PyDecision::duplicate_of_id,
                    "near-duplicate-document: the kept record's id as JSON text (its id field "
                    "serialised), or None when it had none")
      .def_readonly("duplicate_of_url", &PyDecision::duplicate_of_url,
                    "near-duplicate-document: the kept record's url, or None")
      .def_readonly("similarity", &PyDecision::similarity,
                    "near-duplicate-document: estimated Jaccard similarity")
      .def_readonly("text", &PyDecision::text,
                    "the cleaned text (the input, if not analysed; None for a record without text)")
      .def_readonly("drops", &PyDecision::drops, "the lines dropped from it")
      .def_readonly("analysed", &PyDecision::analysed, "False for a record passed through")
      .def(py::pickle(
          [](const PyDecision& d) {
            return py::make_tuple(d.record, d.ordinal, d.keep, d.reason, d.duplicate_of,
                                  d.duplicate_of_id, d.duplicate_of_url, d.similarity, d.text,
                                  d.drops, d.analysed);
          },
          [](const py::tuple& t) {
            return PyDecision{t[0],
                              t[1].cast<std::uint64_t>(),
                              t[2].cast<bool>(),
                              t[3].cast<std::optional<std::string>>(),
                              t[4].cast<std::optional<std::uint64_t>>(),
                              t[5].cast<std::optional<std::string>>(),
                              t[6].cast<std::optional<std::string>>(),
                              t[7].cast<std::optional<double>>(),
                              t[8],
                              t[9].cast<std::vector<PyDrop>>(),
                              t[10].cast<bool>()};
          }))
      .def("__repr__", [](const PyDecision& d) {
        return "Decision(ordinal=" + std::to_string(d.ordinal) +
               ", keep=" + (d.keep ? "True" : "False") +
               (d.reason ? ", reason='" + *d.reason + "'" : "") + ")";
      });

  py::class_<Cleaner>(m, "Cleaner",
                      "The core filter (line rules, near-duplicate paragraphs) with its rules "
                      "compiled once. Cleaner(**options): the command line's options, "
                      "underscores for dashes.")
      .def(py::init([](py::kwargs kwargs) { return std::make_unique<Cleaner>(kwargs); }))
      .def("clean", &Cleaner::Clean, py::arg("text"),
           "Cleans one document (str or bytes); returns a Result.")
      .def("clean_batch", &Cleaner::CleanBatch, py::arg("texts"),
           "Cleans documents on `threads` threads; returns their Results in order, the "
           "same as clean() on each.")
      .def_property_readonly("threads", &Cleaner::threads)
      .def_property_readonly("options", [](const Cleaner& c) { return py::dict(c.kwargs()); },
                             "the options it was made with")
      .def(py::pickle([](const Cleaner& c) { return py::make_tuple(c.kwargs()); },
                      [](const py::tuple& state) {
                        return std::make_unique<Cleaner>(state[0].cast<py::dict>());
                      }));

  py::class_<Stream>(m, "Stream",
                     "The stream stages: the core filter, repeated lines and near-duplicate "
                     "documents across every record it is given. Stream(**options); with "
                     "index=PATH it starts from that --index file if it exists.")
      .def(py::init([](py::kwargs kwargs) { return std::make_unique<Stream>(kwargs); }))
      .def("process", &Stream::Process, py::arg("records"),
           "Runs records (str, bytes, or dicts with the text in text_field) through the "
           "stream; returns one Decision per record, in order.")
      .def("save", &Stream::Save, py::arg("path") = py::none(),
           "Writes the cross-document state to path (default: the index option), in the "
           "--index file format.")
      .def("close", &Stream::Close,
           "Releases the lock on the index file (held from the start, as the command line "
           "holds it for a run); the stream takes no more records.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](Stream& s, py::object type, py::object, py::object) {
            // Saved only when the block ends normally: an exception leaves
            // the index as it was.
            if (type.is_none() && !s.index_file().empty()) s.Save(py::none());
            s.Close();
          },
          "Saves the index (if any) when the block ends without an exception; closes.")
      .def_property_readonly("stats", &Stream::Stats, "counts so far, as --stats-json")
      .def_property_readonly("index_file", &Stream::index_file, "the index option, or ''");
  m.attr("__version__") = WINNOW_VERSION;

  m.def(
      "options",
      [] {
        py::dict out;
        for (const winnow::OptionSpec& spec : winnow::AllOptions()) {
          std::string key(spec.name);
          for (char& c : key) c = c == '-' ? '_' : c;
          py::dict d;
          d["flag"] = winnow::OptionFlag(spec);
          d["kind"] = KindName(spec.kind);
          d["scope"] = ScopeName(spec.scope);
          d["default"] = spec.get(winnow::Options{});
          d["help"] = std::string(spec.help);
          out[py::str(key)] = d;
        }
        return out;
      },
      "Every option of winnow: flag, kind, scope (all, stream, command-line), default, help.");
}
