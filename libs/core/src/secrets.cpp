// Random key material (OpenSSL) and the management key file under <studio_dir>/secrets/.
#include "studio/core/secrets.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

namespace studio {
namespace {

constexpr std::string_view key_prefix = "sk-studio-";
constexpr std::size_t max_key_file_bytes = 64 * 1024;

// Closes a file descriptor on scope exit.
class unique_fd {
 public:
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports close()'s failure (it can carry a delayed write error).
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

[[noreturn]] void fail(std::string_view what, const std::filesystem::path& path, int error) {
  throw std::runtime_error(std::string{what} + " " + path.string() + ": " + std::strerror(error));
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

// Creates `dir` with mode 0700, or tightens an existing directory to 0700.
void ensure_private_dir(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return;
  if (errno != EEXIST) fail("cannot create directory", dir, errno);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) fail("cannot stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) fail("cannot use", dir, ENOTDIR);
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) fail("cannot chmod", dir, errno);
}

// Reads an existing key file, tightening its mode to 0600. nullopt when it does not exist.
std::optional<std::string> read_key_file(const std::filesystem::path& path) {
  unique_fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    fail("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("cannot stat", path, errno);
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(path.string() + " is not a regular file");
  if ((st.st_mode & 077) != 0 && ::fchmod(fd.get(), 0600) != 0) fail("cannot chmod", path, errno);

  std::string content;
  char buffer[4096];
  while (content.size() <= max_key_file_bytes) {
    const auto n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read", path, errno);
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  const auto key = trim(content);
  if (!valid_api_key(key)) {
    throw std::runtime_error(path.string() +
                             " does not hold a valid key (empty, too long or with spaces or "
                             "control characters); fix it or delete it to generate a new one");
  }
  return std::string{key};
}

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", path, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Writes `key` to a fresh temporary file in `dir` (mode 0600, fsynced) and returns its path.
std::filesystem::path write_temp_key(const std::filesystem::path& dir, std::string_view key) {
  const auto temp = dir / (".api-key." + random_hex(8) + ".tmp");
  unique_fd fd{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)};
  if (fd.get() < 0) fail("cannot create", temp, errno);
  try {
    if (::fchmod(fd.get(), 0600) != 0) fail("cannot chmod", temp, errno);  // umask-proof
    write_all(fd.get(), std::string{key} + "\n", temp);
    if (::fsync(fd.get()) != 0) fail("cannot fsync", temp, errno);
    if (!fd.close()) fail("cannot close", temp, errno);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  return temp;
}

void fsync_dir(const std::filesystem::path& dir) {
  unique_fd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) fail("cannot fsync directory", dir, errno);
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(INT_MAX))
    throw std::length_error("random_hex: too many bytes");
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    throw std::runtime_error(std::string{"RAND_bytes failed: "} + reason);
  }
  constexpr std::string_view digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (const unsigned char b : raw) {
    hex += digits[b >> 4];
    hex += digits[b & 0x0f];
  }
  return hex;
}

bool valid_api_key(std::string_view key) {
  if (key.empty() || key.size() > 4096) return false;
  for (const char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

key_file_result ensure_management_key(const std::filesystem::path& studio_dir) {
  std::error_code ec;
  std::filesystem::create_directories(studio_dir, ec);
  if (ec) fail("cannot create directory", studio_dir, ec.value());
  const auto dir = studio_dir / "secrets";
  ensure_private_dir(dir);
  const auto path = dir / "api-key";

  if (auto existing = read_key_file(path)) return {std::move(*existing), path, false};

  const std::string key = std::string{key_prefix} + random_hex(32);
  const auto temp = write_temp_key(dir, key);
  // link() refuses to replace: if another process created the file meanwhile, its key wins.
  const int linked = ::link(temp.c_str(), path.c_str());
  const int link_error = errno;
  ::unlink(temp.c_str());
  if (linked != 0) {
    if (link_error == EEXIST) {
      if (auto winner = read_key_file(path)) return {std::move(*winner), path, false};
    }
    fail("cannot create", path, link_error);
  }
  fsync_dir(dir);
  return {key, path, true};
}

}  // namespace studio
