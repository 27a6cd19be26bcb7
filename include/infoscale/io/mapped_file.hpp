#pragma once
// A read-only file in memory: memory-mapped when it is a regular file (a 10 GB logit dump costs no
// copy and only the pages a reduction touches are read), read into a buffer otherwise (pipes,
// /dev/stdin). Move-only RAII owner; views into it stay valid while it lives, which is why the
// readers hand it out through a shared_ptr.

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "infoscale/core/error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define INFOSCALE_IO_HAS_MMAP 1
#else
#include <fstream>
#include <iterator>
#define INFOSCALE_IO_HAS_MMAP 0
#endif

namespace infoscale::io {

/// The bytes of a file, read-only, owned for the lifetime of this object.
class mapped_file {
 public:
  /// Opens and maps `path`; raises infoscale::error naming the file when it cannot.
  explicit mapped_file(const std::filesystem::path& path) : path_(path.string()) { open(); }

  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  mapped_file(mapped_file&& other) noexcept { swap(other); }
  mapped_file& operator=(mapped_file&& other) noexcept {
    if (this != &other) {
      release();
      swap(other);
    }
    return *this;
  }
  ~mapped_file() { release(); }

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// True when the bytes are a memory mapping rather than a copy.
  [[nodiscard]] bool is_mapped() const noexcept { return mapped_; }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    infoscale::detail::raise("mapped_file", path_, problem);
  }

#if INFOSCALE_IO_HAS_MMAP
  void open() {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(std::string("cannot be opened: ") + std::strerror(errno));
    struct file_closer {
      int fd;
      ~file_closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) fail(std::string("cannot be inspected: ") + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) fail("is a directory, not a file");
    if (S_ISREG(info.st_mode)) {
      if (info.st_size <= 0) return;  // mmap of length 0 is an error; an empty file is just empty
      const auto length = static_cast<std::size_t>(info.st_size);
      void* address = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
      if (address == MAP_FAILED) fail(std::string("cannot be memory-mapped: ") + std::strerror(errno));
      data_ = static_cast<const std::byte*>(address);
      size_ = length;
      mapped_ = true;
      return;
    }
    // Not seekable: read it all.
    std::byte chunk[1 << 16];
    for (;;) {
      const ::ssize_t got = ::read(fd, chunk, sizeof chunk);
      if (got < 0) {
        if (errno == EINTR) continue;
        fail(std::string("cannot be read: ") + std::strerror(errno));
      }
      if (got == 0) break;
      buffer_.insert(buffer_.end(), chunk, chunk + got);
    }
    data_ = buffer_.data();
    size_ = buffer_.size();
  }

  void release() noexcept {
    if (mapped_ && data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
    mapped_ = false;
    buffer_.clear();
  }
#else
  void open() {
    if (std::filesystem::is_directory(path_)) fail("is a directory, not a file");
    std::ifstream in(path_, std::ios::binary);
    if (!in) fail("cannot be opened");
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    buffer_.resize(raw.size());
    if (!raw.empty()) std::memcpy(buffer_.data(), raw.data(), raw.size());
    data_ = buffer_.data();
    size_ = buffer_.size();
  }
  void release() noexcept {
    data_ = nullptr;
    size_ = 0;
    buffer_.clear();
  }
#endif

  void swap(mapped_file& other) noexcept {
    std::swap(path_, other.path_);
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(mapped_, other.mapped_);
    std::swap(buffer_, other.buffer_);
    // A read buffer moved with its vector keeps its address; re-point only if it was a copy.
    if (!mapped_ && !buffer_.empty()) data_ = buffer_.data();
    if (!other.mapped_ && !other.buffer_.empty()) other.data_ = other.buffer_.data();
  }

  std::string path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::byte> buffer_;
};

}  // namespace infoscale::io
