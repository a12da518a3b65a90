// The IDX reader behind training runs: Fashion-MNIST as Debian ships it, and
// every way a data file can be wrong, each named with its file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>

#include "convlab/dataset.hpp"
#include "convlab/error.hpp"

namespace convlab {
namespace {

namespace fs = std::filesystem;

std::vector<uint8_t> idx(uint32_t magic, std::vector<uint32_t> dims, std::size_t data_bytes) {
  std::vector<uint8_t> b;
  auto put = [&](uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
  };
  put(magic);
  for (uint32_t d : dims) put(d);
  for (std::size_t i = 0; i < data_bytes; ++i) b.push_back(static_cast<uint8_t>(i % 10));
  return b;
}

class IdxFiles : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("convlab_idx_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::vector<uint8_t>& bytes, bool gzip) {
    const fs::path p = dir / name;
    if (gzip) {
      gzFile f = gzopen(p.c_str(), "wb");
      gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(f);
    } else {
      std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                               static_cast<std::streamsize>(bytes.size()));
    }
    return p;
  }
  void expect_error_naming(const fs::path& p, const std::string& words, bool images = true) {
    try {
      if (images) load_idx_images(p);
      else load_idx_labels(p);
      ADD_FAILURE() << p << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.field(), "dataset");
      EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  }
};

TEST_F(IdxFiles, ReadsImagesAndLabelsGzippedOrPlain) {
  for (bool gz : {false, true}) {
    const auto images = load_idx_images(write("i", idx(0x803, {3, 2, 4}, 24), gz));
    EXPECT_EQ(images.count, 3);
    EXPECT_EQ(images.rows, 2);
    EXPECT_EQ(images.cols, 4);
    ASSERT_EQ(images.pixels.size(), 24u);
    EXPECT_EQ(images.pixels[13], 3);
    EXPECT_EQ(load_idx_labels(write("l", idx(0x801, {3}, 3), gz)).size(), 3u);
  }
}

TEST_F(IdxFiles, MissingFileIsNamed) { expect_error_naming(dir / "nope-idx3-ubyte.gz", "no such file"); }

TEST_F(IdxFiles, WrongMagicIsNamed) {
  expect_error_naming(write("labels-as-images", idx(0x801, {3, 2, 4}, 24), true), "magic");
  expect_error_naming(write("text", std::vector<uint8_t>(40, 'x'), false), "magic");
}

TEST_F(IdxFiles, TruncatedDataHeaderAndGzipStreamAreNamed) {
  expect_error_naming(write("short-data", idx(0x803, {3, 2, 4}, 23), true), "truncated");
  expect_error_naming(write("short-header", {0, 0, 8, 3, 0, 0}, false), "truncated");
  auto gz = write("whole.gz", idx(0x803, {30, 28, 28}, 30 * 28 * 28), true);
  const auto size = fs::file_size(gz);
  fs::resize_file(gz, size / 2);
  expect_error_naming(gz, "truncated or corrupt");
  expect_error_naming(write("trailing", idx(0x801, {3}, 5), false), "trailing", false);
}

TEST_F(IdxFiles, LabelsThatDoNotMatchTheImagesAreNamed) {
  write("train-images-idx3-ubyte", idx(0x803, {4, 2, 2}, 16), false);
  const auto labels = write("train-labels-idx1-ubyte", idx(0x801, {3}, 3), false);
  try {
    load_fashion_mnist(dir, true);
    ADD_FAILURE() << "3 labels for 4 images were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(labels.string()), std::string::npos) << e.what();
  }
}

// Debian's package (scripts/setup installs it): every figure the README states.
TEST(FashionMnist, DebiansFilesHoldSixtyThousandAndTenThousandBalancedImages) {
  if (!fs::exists(fashion_mnist_dir())) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const LabelledImages train = load_fashion_mnist(fashion_mnist_dir(), true);
  const LabelledImages test = load_fashion_mnist(fashion_mnist_dir(), false);
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(train.rows, 28);
  EXPECT_EQ(train.cols, 28);
  std::array<int, 10> per_class{};
  for (uint8_t l : train.labels) ++per_class[l];
  for (int n : per_class) EXPECT_EQ(n, 6000);
  for (float v : test.images) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
}

}  // namespace
}  // namespace convlab
