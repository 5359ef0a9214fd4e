// A line model for tests: one tree that keeps exactly the lines with
// closing punctuation or 20 words (score 0.88 against 0.12), so that tests
// of the pipeline, the writer and the line filter's mechanics do not
// depend on what the trained model (rules/line_model.txt) learned.
#ifndef WINNOW_TESTS_UNIT_TEST_MODEL_HPP_
#define WINNOW_TESTS_UNIT_TEST_MODEL_HPP_

#include <string>

#include "winnow/line_features.hpp"
#include "winnow/line_model.hpp"

namespace winnow {

// The model file's text (tests edit it to test the parser).
inline std::string ClosedOnlyModelText() {
  std::string m = "winnow-line-model 2\nfeatures " + std::to_string(kFeatureCount) + "\n";
  for (const std::string& name : FeatureNames()) m += "f " + name + "\n";
  m += "threshold 0.5\nsmoothing 0\nbaseline 0\ntrees 1\ntree 5\n";
  m += std::to_string(kFClosed) + " 0.5 1 4 0 1\n";
  m += std::to_string(kFWords) + " 3.0204 2 3 -1.5 1\n";  // log1p(19.5)
  m += "-1 0 0 0 -2 0\n-1 0 0 0 2 0\n-1 0 0 0 2 0\n";
  return m;
}

inline const LineModel& ClosedOnlyModel() {
  static const LineModel model = LineModel::Parse(ClosedOnlyModelText(), "test");
  return model;
}

}  // namespace winnow

#endif  // WINNOW_TESTS_UNIT_TEST_MODEL_HPP_
