// llm_config_store: load with fallback, atomic save (see llm_config_store.hpp).
#include "studio/supervisor/llm_config_store.hpp"

#include "studio/supervisor/llama_options.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace studio::supervisor {
namespace fs = std::filesystem;

std::optional<std::string> llm_config_store::load() {
  std::lock_guard lock(mutex_);
  config_ = default_llm_config();
  std::error_code ec;
  if (!fs::exists(file_, ec)) return std::nullopt;
  std::ifstream in(file_, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::string problem;
  boost::system::error_code pec;
  auto value = boost::json::parse(text, pec);
  if (!in.good() && !in.eof())
    problem = "cannot be read";
  else if (pec)
    problem = "is not valid JSON (" + pec.message() + ")";
  else if (!value.is_object())
    problem = "is not a JSON object";
  else if (auto bad = validate_options(value.as_object()))
    problem = "is invalid: " + *bad;
  if (problem.empty()) {
    for (const auto& [key, v] : value.as_object()) config_[key] = v;
    return std::nullopt;
  }
  auto stamp =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto aside = file_;
  aside += ".bad-" + std::to_string(stamp);
  fs::rename(file_, aside, ec);
  return file_.string() + " " + problem + "; using defaults" +
         (ec ? " (could not move it aside: " + ec.message() + ")"
             : "; the bad file is kept as " + aside.string());
}

boost::json::object llm_config_store::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

boost::json::object llm_config_store::update(const boost::json::object& updates) {
  std::lock_guard lock(mutex_);
  auto next = config_;
  for (const auto& [key, v] : updates) next[key] = v;
  std::swap(config_, next);
  try {
    save();
  } catch (...) {
    std::swap(config_, next);
    throw;
  }
  return config_;
}

boost::json::object llm_config_store::visible() const {
  std::lock_guard lock(mutex_);
  boost::json::object out;
  for (const auto& [key, v] : config_) {
    if (!key.starts_with("_")) out[key] = v;
  }
  return out;
}

void llm_config_store::save() const {
  auto fail = [&](const std::string& what) {
    throw std::runtime_error("cannot save " + file_.string() + ": " + what + ": " + std::strerror(errno));
  };
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  auto temp = file_;
  temp += ".tmp";
  std::string text = boost::json::serialize(config_) + "\n";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open");
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync");
  }
  ::close(fd);
  if (::rename(temp.c_str(), file_.c_str()) != 0) fail("rename");
  int dir = ::open(file_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace studio::supervisor
