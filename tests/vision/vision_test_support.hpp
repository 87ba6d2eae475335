// Shared helpers for the vision tests: the test set rendered once per process, and matching of
// decoded codes against what the generator put in the scene.
#pragma once

#include "vision/barcode_reader.hpp"
#include "vision/test_set.hpp"

#include <vector>

namespace admix::vision::test {

struct RenderedCase {
    TestCase testCase;
    RenderedScene scene;
};

// The test set (seed 20261121, two scenes per category), rendered once and kept for the process.
const std::vector<RenderedCase>& renderedTestSet();

// True when `decoded` is `expected`: same format and text, and its centre inside the expected quad.
bool matches(const DecodedCode& decoded, const ExpectedCode& expected);

// ZXing on an axis-aligned crop of twice the code's size centred on it: whether the code is readable
// at all when one knows where it is (the reference the locator is held to).
bool readableWhereItIs(const cv::Mat& image, const ExpectedCode& expected);

} // namespace admix::vision::test
