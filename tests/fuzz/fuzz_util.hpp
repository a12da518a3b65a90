// What the fuzz targets share: how a finding is reported (a message, then
// abort(), which libFuzzer records as a crash with the input saved), and the
// per-process temporary file the file-reading targets load the input from.
#pragma once

#include <cxxabi.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <typeinfo>

namespace fuzz {

[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "\n==FUZZ FINDING== %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Call inside a catch (...) after `catch (const convlab::Error&)`: any other
// exception escaping the parser is a finding, named with its dynamic type.
[[noreturn]] inline void unexpected_exception(const char* function) {
  std::string type = "unknown type", what;
  try {
    throw;
  } catch (const std::exception& e) {
    int status = 0;
    char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
    type = status == 0 && name ? name : typeid(e).name();
    std::free(name);
    what = e.what();
  } catch (...) {
  }
  finding(std::string(function) + " threw " + type + " instead of convlab::Error: " + what);
}

// A file of this process's own (several fuzzers may run at once) holding one
// input while the target reads it: write() returns a guard that removes it
// (libFuzzer leaves by _Exit, which runs no destructor of a static). It lives
// in /dev/shm when there is one: rewriting a file on ext4 (auto_da_alloc)
// costs a block flush per input, ten times the parse.
class TempFile {
 public:
  TempFile(const std::string& stem, const std::string& ext)
      : path_(folder() / (stem + "-" + std::to_string(::getpid()) + ext)) {}

  struct Written {
    const std::filesystem::path& path;
    ~Written() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  };
  [[nodiscard]] Written write(const uint8_t* data, size_t size) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) finding("cannot write the temporary file " + path_.string());
    return Written{path_};
  }

 private:
  static std::filesystem::path folder() {
    if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
    return std::filesystem::temp_directory_path();
  }
  std::filesystem::path path_;
};

}  // namespace fuzz
