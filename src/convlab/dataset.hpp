// Real images for training runs: the IDX files of MNIST and Fashion-MNIST
// (Debian's dataset-fashion-mnist ships them gzipped under
// /usr/share/datasets/fashion-mnist). Every failure is a convlab::Error
// naming the file: missing, unreadable, not gzip or IDX (wrong magic),
// truncated, or images and labels that do not pair up.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace convlab {

struct IdxImages {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count x rows x cols, row-major
};

// An IDX file, gzipped (.gz) or not.
IdxImages load_idx_images(const std::filesystem::path& path);  // magic 0x00000803
std::vector<uint8_t> load_idx_labels(const std::filesystem::path& path);  // magic 0x00000801

// A labelled set: images as float32 in [0, 1], N x 1 x rows x cols.
struct LabelledImages {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<float> images;
  std::vector<uint8_t> labels;
};

// Fashion-MNIST's train (60,000) or test (10,000) split from `dir`
// ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]).
LabelledImages load_fashion_mnist(const std::filesystem::path& dir, bool train);

// $CONVLAB_FASHION_MNIST, or Debian's /usr/share/datasets/fashion-mnist.
std::filesystem::path fashion_mnist_dir();

}  // namespace convlab
