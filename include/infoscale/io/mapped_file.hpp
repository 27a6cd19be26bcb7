#pragma once
// A read-only file in memory: memory-mapped when it is a regular file (a 10 GB logit dump costs no
// copy and only the pages a reduction touches are read), read into a buffer when it is a pipe or a
// socket (`cat dump.npy | infoscale thermo /dev/stdin`), up to a bound. Devices (/dev/zero,
// /dev/urandom, a terminal) are refused: they never end, or are not data. Move-only RAII owner;
// views into it stay valid while it lives, which is why the readers hand it out through a shared_ptr.
//
// A mapped file that shrinks while it is read (another process truncates it) would raise SIGBUS on
// the first page past the new end. A process-wide SIGBUS handler, installed with the first mapping
// and chaining to whatever handler was there before, recognises faults inside this class's mappings,
// maps zero pages over the rest of that mapping so the reading thread carries on, and marks the
// mapping as damaged. Readers then call check_intact() (or io::check_mapped_reads()) before
// reporting anything computed from the bytes: the computation is discarded with a message naming
// the file, rather than crashing or printing numbers read from zeros. MAP_POPULATE does not help
// here (truncation drops populated pages too), and copying every file would cost the zero-copy read.

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <mutex>
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

/// Largest pipe or socket read into memory (a regular file is mapped, whatever its size).
inline constexpr std::size_t default_max_stream_bytes = std::size_t{4} << 30;

#if INFOSCALE_IO_HAS_MMAP
namespace detail {

/// One live mapping the SIGBUS handler may repair. Written by the owning thread, read by the
/// handler: lock-free atomics only (a handler may interrupt anything).
struct guarded_mapping {
  std::atomic<std::uintptr_t> begin{0};
  std::atomic<std::uintptr_t> end{0};
  std::atomic<bool> damaged{false};
  std::array<char, 512> path{};  ///< for messages; written before `begin`, under the guard's mutex
};

inline constexpr std::size_t max_guarded_mappings = 1024;

struct mapping_guard_state {
  std::array<guarded_mapping, max_guarded_mappings> slots{};
  std::atomic<bool> installed{false};
  std::mutex mutex;  ///< serialises installing and claiming slots (never taken by the handler)
  struct sigaction previous {};
  std::uintptr_t page = 4096;
  std::atomic<std::size_t> damaged_released{0};  ///< damaged mappings already released
  std::string damaged_released_path;             ///< the last of those (guarded by mutex)
};

inline mapping_guard_state& mapping_guard() {
  static mapping_guard_state state;
  return state;
}

inline void sigbus_handler(int signal, siginfo_t* info, void* context) {
  mapping_guard_state& g = mapping_guard();
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (guarded_mapping& slot : g.slots) {
    const std::uintptr_t begin = slot.begin.load(std::memory_order_acquire);
    const std::uintptr_t end = slot.end.load(std::memory_order_acquire);
    if (begin == 0 || address < begin || address >= end) continue;
    // Past the file's new end every page faults: cover the rest of the mapping with zeros at once.
    const std::uintptr_t first = address & ~(g.page - 1);
    void* at = reinterpret_cast<void*>(first);
    if (::mmap(at, end - first, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      slot.damaged.store(true, std::memory_order_release);
      return;
    }
    break;
  }
  // Not ours (or not repairable): whatever was installed before us, else the default (a core dump).
  const struct sigaction& previous = g.previous;
  if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction != nullptr) {
    previous.sa_sigaction(signal, info, context);
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(signal);
  } else {
    ::signal(SIGBUS, SIG_DFL);  // returning re-runs the faulting access, which now kills the process
  }
}

/// Registers [begin, begin + length) with the handler (installing it once); returns the slot, or
/// null when every slot is taken (the mapping then is simply unguarded).
inline guarded_mapping* guard_mapping(const void* begin, std::size_t length, const std::string& path) {
  mapping_guard_state& g = mapping_guard();
  const std::lock_guard<std::mutex> lock(g.mutex);
  if (!g.installed.load(std::memory_order_relaxed)) {
    const long page = ::sysconf(_SC_PAGESIZE);
    if (page > 0) g.page = static_cast<std::uintptr_t>(page);
    struct sigaction action {};
    action.sa_sigaction = sigbus_handler;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (::sigaction(SIGBUS, &action, &g.previous) != 0) return nullptr;
    g.installed.store(true, std::memory_order_release);
  }
  for (guarded_mapping& slot : g.slots) {
    if (slot.begin.load(std::memory_order_relaxed) != 0) continue;
    slot.damaged.store(false, std::memory_order_relaxed);
    const std::size_t n = std::min(path.size(), slot.path.size() - 1);
    std::memcpy(slot.path.data(), path.data(), n);
    slot.path[n] = '\0';
    slot.end.store(reinterpret_cast<std::uintptr_t>(begin) + length, std::memory_order_release);
    slot.begin.store(reinterpret_cast<std::uintptr_t>(begin), std::memory_order_release);
    return &slot;
  }
  return nullptr;
}

inline void unguard_mapping(guarded_mapping* slot, const std::string& path) noexcept {
  if (slot == nullptr) return;
  mapping_guard_state& g = mapping_guard();
  const std::lock_guard<std::mutex> lock(g.mutex);
  if (slot->damaged.load(std::memory_order_acquire)) {
    g.damaged_released.fetch_add(1, std::memory_order_relaxed);
    try {
      g.damaged_released_path = path;
    } catch (...) {
    }
  }
  slot->begin.store(0, std::memory_order_release);
  slot->end.store(0, std::memory_order_release);
}

}  // namespace detail
#endif

/// The bytes of a file, read-only, owned for the lifetime of this object.
class mapped_file {
 public:
  /// Opens and maps `path`; raises infoscale::error naming the file when it cannot, when it is a
  /// device, or when a pipe gives more than `max_stream_bytes`.
  explicit mapped_file(const std::filesystem::path& path,
                       std::size_t max_stream_bytes = default_max_stream_bytes)
      : path_(path.string()) {
    open(max_stream_bytes);
  }

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

  /// False once a read hit a page the file no longer has (it shrank, or an I/O error): the bytes
  /// read since the fault are zeros standing in for the lost data.
  [[nodiscard]] bool intact() const noexcept {
#if INFOSCALE_IO_HAS_MMAP
    return guard_ == nullptr || !guard_->damaged.load(std::memory_order_acquire);
#else
    return true;
#endif
  }

  /// Raises naming the file unless intact(); call before reporting results read from the bytes.
  void check_intact() const {
    if (!intact()) {
      fail(
          "shrank (was truncated) or failed to read while it was being read, so the results computed from "
          "it are discarded; read it again once nothing is writing to it");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    infoscale::detail::raise("mapped_file", path_, problem);
  }

#if INFOSCALE_IO_HAS_MMAP
  void open(std::size_t max_stream_bytes) {
    // O_NONBLOCK: opening a FIFO nobody writes to would otherwise wait forever; cleared below.
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) fail(std::string("cannot be opened: ") + std::strerror(errno));
    struct file_closer {
      int fd;
      ~file_closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) fail(std::string("cannot be inspected: ") + std::strerror(errno));
    if (S_ISDIR(info.st_mode)) fail("is a directory, not a file");
    if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) {
      fail(std::string("is a ") + (S_ISCHR(info.st_mode) ? "character" : "block") +
           " device, not a regular file or a pipe (devices such as /dev/zero never end); save the data to a "
           "file first");
    }
    if (S_ISREG(info.st_mode)) {
      if (info.st_size <= 0) return;  // mmap of length 0 is an error; an empty file is just empty
      const auto length = static_cast<std::size_t>(info.st_size);
      void* address = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
      if (address == MAP_FAILED) fail(std::string("cannot be memory-mapped: ") + std::strerror(errno));
      data_ = static_cast<const std::byte*>(address);
      size_ = length;
      mapped_ = true;
      guard_ = detail::guard_mapping(address, length, path_);
      // Shrunk between fstat and mmap: the tail is already gone.
      struct stat after {};
      if (::fstat(fd, &after) == 0 && after.st_size < info.st_size) {
        release();
        fail("shrank while it was being opened (" + std::to_string(info.st_size) + " bytes, then " +
             std::to_string(after.st_size) + ")");
      }
      return;
    }
    // A pipe or socket: read it all, up to the bound, blocking from here on.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    std::byte chunk[1 << 16];
    for (;;) {
      const ::ssize_t got = ::read(fd, chunk, sizeof chunk);
      if (got < 0) {
        if (errno == EINTR) continue;
        fail(std::string("cannot be read: ") + std::strerror(errno));
      }
      if (got == 0) break;
      if (buffer_.size() + static_cast<std::size_t>(got) > max_stream_bytes) {
        buffer_ = {};
        fail("is a stream longer than the " + std::to_string(max_stream_bytes) +
             "-byte limit for inputs that are not regular files; save it to a file, which is mapped instead");
      }
      buffer_.insert(buffer_.end(), chunk, chunk + got);
    }
    data_ = buffer_.data();
    size_ = buffer_.size();
  }

  void release() noexcept {
    detail::unguard_mapping(guard_, path_);
    guard_ = nullptr;
    if (mapped_ && data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
    mapped_ = false;
    buffer_.clear();
  }
#else
  void open(std::size_t) {
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
#if INFOSCALE_IO_HAS_MMAP
    std::swap(guard_, other.guard_);
#endif
    // A read buffer moved with its vector keeps its address; re-point only if it was a copy.
    if (!mapped_ && !buffer_.empty()) data_ = buffer_.data();
    if (!other.mapped_ && !other.buffer_.empty()) other.data_ = other.buffer_.data();
  }

  std::string path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool mapped_ = false;
  std::vector<std::byte> buffer_;
#if INFOSCALE_IO_HAS_MMAP
  detail::guarded_mapping* guard_ = nullptr;
#endif
};

/// Raises, naming a file, if any mapping made by mapped_file in this process (live or released
/// since the last call) lost pages while it was read. The command-line program calls this before
/// it prints results, so no report is ever computed from a file truncated under it.
inline void check_mapped_reads() {
#if INFOSCALE_IO_HAS_MMAP
  detail::mapping_guard_state& g = detail::mapping_guard();
  std::string path;
  {
    const std::lock_guard<std::mutex> lock(g.mutex);
    if (g.damaged_released.exchange(0) > 0) path = std::move(g.damaged_released_path);
  }
  if (path.empty()) {
    for (const detail::guarded_mapping& slot : g.slots) {
      if (slot.begin.load(std::memory_order_acquire) != 0 && slot.damaged.load(std::memory_order_acquire)) {
        const std::lock_guard<std::mutex> lock(g.mutex);
        path = slot.path.data();
        break;
      }
    }
  }
  if (!path.empty()) {
    infoscale::detail::raise(
        "mapped_file", path,
        "shrank (was truncated) or failed to read while it was being read, so the results "
        "computed from it are discarded; read it again once nothing is writing to it");
  }
#endif
}

}  // namespace infoscale::io
