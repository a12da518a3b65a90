#include "convlab/dataset.hpp"

#include <zlib.h>

#include <cstdlib>
#include <memory>

#include "convlab/error.hpp"

namespace convlab {

namespace {

// The whole file, gunzipped when it is gzip (zlib reads plain files as they are).
std::vector<uint8_t> read_all(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error("dataset", path.string(), "no such file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw Error("dataset", path.string(), "cannot be opened");
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  for (;;) {
    const int n = gzread(f.get(), buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      throw Error("dataset", path.string(), std::string("cannot be read: ") + gzerror(f.get(), &code));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  // A gzip stream cut short reads as a short file with Z_BUF_ERROR.
  int code = 0;
  gzerror(f.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END)
    throw Error("dataset", path.string(), "the gzip stream is truncated or corrupt");
  return out;
}

uint32_t big_endian(const std::vector<uint8_t>& b, std::size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | uint32_t(b[at + 3]);
}

// The header's dimensions after checking the magic; `dims` of them.
std::vector<int64_t> idx_header(const std::vector<uint8_t>& b, const std::filesystem::path& path, uint32_t magic,
                                int dims) {
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(dims);
  if (b.size() < header)
    throw Error("dataset", path.string(), "truncated: " + std::to_string(b.size()) + " bytes, shorter than its IDX header");
  if (big_endian(b, 0) != magic)
    throw Error("dataset", path.string(), "not an IDX file of the expected kind (magic " +
                                              std::to_string(big_endian(b, 0)) + ", expected " +
                                              std::to_string(magic) + ")");
  std::vector<int64_t> d;
  int64_t elems = 1;
  for (int i = 0; i < dims; ++i) {
    d.push_back(big_endian(b, 4 + 4 * static_cast<std::size_t>(i)));
    elems *= d.back();  // each < 2^32, at most three: fits
    if (elems > (int64_t{1} << 40)) throw Error("dataset", path.string(), "header sizes are implausible");
  }
  if (static_cast<int64_t>(b.size() - header) != elems)
    throw Error("dataset", path.string(),
                (static_cast<int64_t>(b.size() - header) < elems ? "truncated: " : "has trailing bytes: ") +
                    std::to_string(b.size() - header) + " data bytes, its header says " + std::to_string(elems));
  return d;
}

}  // namespace

IdxImages load_idx_images(const std::filesystem::path& path) {
  std::vector<uint8_t> b = read_all(path);
  const auto d = idx_header(b, path, 0x00000803, 3);
  IdxImages out{d[0], d[1], d[2], {}};
  out.pixels.assign(b.begin() + 16, b.end());
  return out;
}

std::vector<uint8_t> load_idx_labels(const std::filesystem::path& path) {
  std::vector<uint8_t> b = read_all(path);
  idx_header(b, path, 0x00000801, 1);
  return {b.begin() + 8, b.end()};
}

std::filesystem::path fashion_mnist_dir() {
  const char* env = std::getenv("CONVLAB_FASHION_MNIST");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path("/usr/share/datasets/fashion-mnist");
}

LabelledImages load_fashion_mnist(const std::filesystem::path& dir, bool train) {
  const std::string split = train ? "train" : "t10k";
  auto file = [&](const std::string& stem) {
    const auto plain = dir / (split + stem), gz = dir / (split + stem + ".gz");
    return std::filesystem::exists(plain) ? plain : gz;
  };
  const auto images_path = file("-images-idx3-ubyte"), labels_path = file("-labels-idx1-ubyte");
  const IdxImages images = load_idx_images(images_path);
  std::vector<uint8_t> labels = load_idx_labels(labels_path);
  if (static_cast<int64_t>(labels.size()) != images.count)
    throw Error("dataset", labels_path.string(), std::to_string(labels.size()) + " labels for " +
                                                      std::to_string(images.count) + " images in " +
                                                      images_path.string());
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] > 9)
      throw Error("dataset", labels_path.string(), "label " + std::to_string(labels[i]) + " at " + std::to_string(i) +
                                                        " is not a class 0-9");
  LabelledImages out{images.count, images.rows, images.cols, {}, std::move(labels)};
  out.images.resize(images.pixels.size());
  for (std::size_t i = 0; i < images.pixels.size(); ++i) out.images[i] = images.pixels[i] / 255.0f;
  return out;
}

}  // namespace convlab
